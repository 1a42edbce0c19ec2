"""Shared fixtures: every test gets its own SALESMART_HOME and landing in a temp dir."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import salesmart_command
from salesmart.config import Settings

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

    return build_warehouse(tmp_path_factory.mktemp("dq_warehouse"))


@pytest.fixture(scope="session")
def pipeline_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SALESMART_HOME after `salesmart run` on the hand-made pipeline landing set (built once per session)."""
    from test_pipeline_kpis import LANDING

    root = tmp_path_factory.mktemp("pipeline")
    landing_dir = root / "landing"
    for relative, text in LANDING.items():
        path = landing_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "SALESMART_HOME": str(root / "home"),
        "SALESMART_LANDING": str(landing_dir),
        "SALESMART_AS_OF": "2026-03-31",
    }
    result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return root / "home"
