"""Shared fixtures: every test gets its own SALESMART_HOME and landing in a temp dir.

Session warehouses (pipeline_warehouse, dq_warehouse, contract_reference) are built once per test session,
also under pytest-xdist (`make test` runs two workers): the first worker to need one builds it under a file
lock in the session's shared temp dir, the others wait and read the same files. They are read-only for the
tests: read them with read-only connections, or copy them (helpers.copy_home) before running dbt or changing anything.

dbt unit tests (SQL on fixed rows, independent of the warehouse's data) run once per session, in the
pipeline_warehouse build and on PostgreSQL in test_postgres (`salesmart run --unit-tests`); every other build
leaves them out, as production builds do (salesmart.build.UNIT_TESTS_NOTE).

Each worker (and a serial run) gets its own dbt target and log paths (DBT_TARGET_PATH, DBT_LOG_PATH): two dbt
invocations in one project dir would otherwise overwrite each other's target/manifest.json, which `salesmart
build` reads back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import salesmart_command
from salesmart import pg_server
from salesmart.config import Settings

# Modules by their measured time, longest first (`pytest --durations`, README "Test timings"): pytest-xdist
# hands out whole modules (--dist loadfile --no-loadscope-reorder, as `make test` runs it) in collection
# order, so the long ones start first and the two workers finish together. Modules not listed keep their
# order after these.
LONGEST_FIRST = [
    "test_spark.py",
    "test_connectors_postgres.py",
    "test_salesforce.py",
    "test_incremental.py",
    "test_gate.py",
    "test_hubspot.py",
    "test_semantic_layer.py",
    "test_postgres.py",
    "test_optional_systems.py",
    "test_bench.py",
    "test_crash_safety.py",
    "test_reproducible.py",
    "test_empty_and_custom_fields.py",
    "test_pipeline_stuck.py",
    "test_activity_lead_kpis.py",
    "test_sales_outcomes_kpis.py",
    "test_scorecard.py",
    "test_publish.py",
    "test_crm_connections.py",
    "test_docs_coverage.py",
    "test_report.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    # sorted() is stable: the tests of one module keep their order
    items[:] = sorted(items, key=lambda item: rank.get(item.path.name, len(rank)))


_DBT_PATHS: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """dbt target and log paths of this worker (or of the serial run), in a temp dir removed at the end."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    scratch = tempfile.mkdtemp(prefix=f"salesmart-dbt-{worker}-")
    _DBT_PATHS.update(scratch=scratch)
    session_env = {"DBT_TARGET_PATH": str(Path(scratch) / "target"), "DBT_LOG_PATH": str(Path(scratch) / "logs")}
    for name, value in session_env.items():
        _DBT_PATHS[name] = os.environ.get(name)
        os.environ[name] = value


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        if name in _DBT_PATHS:
            if _DBT_PATHS[name] is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = _DBT_PATHS[name]
    if _DBT_PATHS.get("scratch"):
        shutil.rmtree(_DBT_PATHS["scratch"], ignore_errors=True)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """<session temp>/<name>, filled by build(root) once per test session, whatever the number of workers.

    Under pytest-xdist the directory is in the temp dir the workers share, and a file lock makes the first
    worker build it and the others wait; a failed build is not repeated: the other workers fail with its
    message.
    """
    from filelock import FileLock

    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        root = tmp_path_factory.mktemp(name, numbered=False)
        build(root)
        return root
    shared = tmp_path_factory.getbasetemp().parent
    root, done, failed = shared / name, shared / f"{name}.built", shared / f"{name}.failed"
    with FileLock(str(shared / f"{name}.lock")):
        if failed.exists():
            pytest.fail(f"{name}: the build failed in another worker:\n{failed.read_text(encoding='utf-8')}")
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            try:
                build(root)
            except BaseException as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}"[-20000:], encoding="utf-8")
                raise
            done.touch()
    return root


SALESMART_ENV = (
    "SALESMART_HOME",
    "SALESMART_LANDING",
    "SALESMART_TARGET",
    "SALESMART_AS_OF",
    "SALESMART_PII_SALT",
    "SALESMART_DBT_VARS",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SALESMART_HOME (and SALESMART_LANDING beside it); other salesmart env vars cleared."""
    for name in SALESMART_ENV:
        monkeypatch.delenv(name, raising=False)
    home_dir = tmp_path / "home"
    landing_dir = tmp_path / "landing"
    home_dir.mkdir()
    landing_dir.mkdir()
    monkeypatch.setenv("SALESMART_HOME", str(home_dir))
    monkeypatch.setenv("SALESMART_LANDING", str(landing_dir))
    # rich reads the width from COLUMNS: wide enough that table cells never wrap in assertions.
    monkeypatch.setenv("COLUMNS", "200")
    return home_dir


@pytest.fixture
def landing(home: Path) -> Path:
    return home.parent / "landing"


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings.from_env()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# Columns of marts.kpi_metric_values (the output contract in shared/spec/README.md).
KPI_COLUMNS = {
    "metric_id": "varchar",
    "family": "varchar",
    "period_grain": "varchar",
    "period_start": "date",
    "period_end": "date",
    "is_complete_period": "boolean",
    "dimension_name": "varchar",
    "dimension_value": "varchar",
    "value": "double",
    "numerator": "double",
    "denominator": "double",
    "unit": "varchar",
    "direction": "varchar",
    "indicator": "varchar",
    "prior_period_value": "double",
    "prior_year_value": "double",
    "change_vs_prior_period": "double",
    "change_vs_prior_year": "double",
    "target_value": "double",
    "attainment": "double",
    "is_suppressed": "boolean",
}


def kpi_row(
    metric_id: str,
    family: str,
    unit: str,
    grain: str,
    start: date,
    end: date,
    value: float | None,
    prior: float | None = None,
    change: float | None = None,
    complete: bool = True,
    dimension: tuple[str, str] = ("total", "total"),
) -> dict:
    row = dict.fromkeys(KPI_COLUMNS)
    row.update(
        metric_id=metric_id,
        family=family,
        unit=unit,
        period_grain=grain,
        period_start=start,
        period_end=end,
        is_complete_period=complete,
        dimension_name=dimension[0],
        dimension_value=dimension[1],
        value=value,
        prior_period_value=prior,
        change_vs_prior_period=change,
        direction="higher",
        indicator="lagging",
        is_suppressed=False,
    )
    return row


def write_kpi_table(db_path: Path, rows: list[dict], extra_sql: str = "") -> None:
    """Create marts.kpi_metric_values with the given rows (plus optional extra statements)."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema if not exists marts")
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in KPI_COLUMNS.items())
        con.execute(f"create or replace table marts.kpi_metric_values ({columns})")
        placeholders = ", ".join("?" for _ in KPI_COLUMNS)
        for row in rows:
            con.execute(f"insert into marts.kpi_metric_values values ({placeholders})", list(row.values()))
        if extra_sql:
            con.execute(extra_sql)


JAN, JAN_END = date(2025, 1, 1), date(2025, 1, 31)
FEB, FEB_END = date(2025, 2, 1), date(2025, 2, 28)

# A tiny published mart: two months (February holds the as-of date) and one quarter, written by hand.
SAMPLE_KPI_ROWS = [
    kpi_row("bookings", "pipeline", "currency", "month", JAN, JAN_END, 1_000_000.0),
    kpi_row(
        "bookings",
        "pipeline",
        "currency",
        "month",
        FEB,
        FEB_END,
        1_234_567.891,
        1_000_000.0,
        0.234567891,
        False,
    ),
    kpi_row("win_rate", "pipeline", "ratio", "month", JAN, JAN_END, 0.25),
    kpi_row("win_rate", "pipeline", "ratio", "month", FEB, FEB_END, 0.2, 0.25, -0.2, False),
    kpi_row("opportunities_created", "pipeline", "count", "month", JAN, JAN_END, 40.0),
    kpi_row("opportunities_created", "pipeline", "count", "month", FEB, FEB_END, 52.0, 40.0, 0.3, False),
    kpi_row("sales_cycle_days", "pipeline", "days", "month", JAN, JAN_END, 30.5),
    kpi_row("sales_cycle_days", "pipeline", "days", "month", FEB, FEB_END, None, 30.5, None, False),
    kpi_row("bookings", "pipeline", "currency", "quarter", JAN, date(2025, 3, 31), 2_234_567.891, complete=False),
    # a rep slice: never shown by `salesmart kpi`, which reads the total slice
    kpi_row("bookings", "pipeline", "currency", "month", JAN, JAN_END, 5.0, dimension=("rep", "u1")),
    kpi_row("revenue", "sales_outcomes", "currency", "month", JAN, JAN_END, 999.5),
    kpi_row("nps", "sales_outcomes", "score", "month", JAN, JAN_END, 42.0),
]


@pytest.fixture
def published(settings: Settings) -> Path:
    """<home>/salesmart.duckdb holding SAMPLE_KPI_ROWS."""
    write_kpi_table(settings.published_db, SAMPLE_KPI_ROWS)
    return settings.published_db


@pytest.fixture(scope="session")
def dq_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<root>/landing and <root>/home after one `salesmart run` of dq_landing.LANDING (one dbt build per
    session, shared by the data-quality tests: read it, or copy it before changing anything)."""
    from dq_landing import build_warehouse

    return built_once(tmp_path_factory, "dq_warehouse", build_warehouse)


PIPELINE_AS_OF = "2026-03-31"


def _build_pipeline_warehouse(root: Path) -> None:
    from test_pipeline_kpis import LANDING

    landing_dir = root / "landing"
    for relative, text in LANDING.items():
        path = landing_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "SALESMART_HOME": str(root / "home"),
        "SALESMART_LANDING": str(landing_dir),
        "SALESMART_AS_OF": PIPELINE_AS_OF,
        # the DuckDB reference of the PostgreSQL and Spark equivalence tests
        "SALESMART_TARGET": "duckdb",
        # kept for test_pipeline_kpis' check that every dbt unit test ran here and passed
        "DBT_TARGET_PATH": str(root / "target"),
    }
    result = subprocess.run(
        [*salesmart_command(), "run", "--unit-tests"], env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.fixture(scope="session")
def pipeline_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SALESMART_HOME after `salesmart run` on DuckDB of the hand-made pipeline landing set (test_pipeline_kpis
    LANDING, as of 2026-03-31; built once per session): the pipeline KPI tests, the report, the docs coverage,
    the semantic layer's hand-made checks, and the DuckDB side of the PostgreSQL and Spark equivalence tests."""
    return built_once(tmp_path_factory, "pipeline", _build_pipeline_warehouse) / "home"


@pytest.fixture(scope="session")
def contract_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract-format reference run of the connector equivalence tests (connector_equivalence: the
    generated business data at EQUIVALENCE_SCALE/MONTHS, seed 7, `salesmart run --crm-source salesmart` on
    DuckDB as of EQUIVALENCE_AS_OF), built once per session for the Salesforce, HubSpot and PostgreSQL
    warehouse-native tests. Returns the root: landing-salesmart/ and home-salesmart/ (read contract_rows)."""
    from connector_equivalence import generated_landing, run_kpis

    def build(root: Path) -> None:
        run_kpis(root, generated_landing(root, "salesmart"), "salesmart")

    return built_once(tmp_path_factory, "contract_reference", build)


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PgServer]:
    """A throwaway PostgreSQL server for a module's tests; skipped without PostgreSQL's binaries unless
    SALESMART_REQUIRE_POSTGRES=1 (CI), which fails instead."""
    try:
        pg_server.bin_dir()
    except pg_server.PgServerError as exc:
        if os.environ.get("SALESMART_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    with pg_server.temporary_server() as srv:
        yield srv
