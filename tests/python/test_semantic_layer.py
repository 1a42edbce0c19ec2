"""The MetricFlow semantic layer (models/semantic) answers the same numbers as marts.kpi_metric_values.

First on the hand-made pipeline data set of test_pipeline_kpis (its docstring explains each deal): `mf query`
must give the values worked out by hand there. Then on generated data:

A small warehouse is generated (fixed seed, fixed as-of date, a fiscal year starting in February so fiscal
quarters and years differ from calendar ones) and built with `salesmart run`; then `mf query` is run as a user
would, from the project root, and every registry metric the semantic layer expresses (registry field
`semantic`, not type none) must equal, for every month, fiscal quarter and fiscal year, its total-slice row of
kpi_metric_values, which the family models compute independently of the semantic layer (rolled-up SQL, not
MetricFlow). A metric without a total row is compared on its dimension. One `mf query` per grain serves all
metrics.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from helpers import copy_home, salesmart_command
from salesmart.catalog import registry
from salesmart.generate import generate

ROOT = Path(__file__).resolve().parents[2]
MF = Path(sys.executable).parent / "mf"
MF_COMMAND = str(MF) if MF.exists() else shutil.which("mf")
SKIP_REASON = (
    "dbt-metricflow is not installed in this environment (pip install 'dbt-metricflow~=0.15.0'); "
    "the semantic-layer test needs its `mf` command"
)
if MF_COMMAND is None:
    print(f"test_semantic_layer: skipped: {SKIP_REASON}", file=sys.stderr)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(MF_COMMAND is None, reason=SKIP_REASON)]

AS_OF = "2025-09-30"
REL_TOL = 1e-6
# kpi_metric_values' quarters and years are fiscal (var fiscal_year_start_month): MetricFlow's fiscal_quarter and
# fiscal_year custom granularities of the time spine. February makes both differ from calendar periods.
FISCAL_YEAR_START_MONTH = 2
GRAINS = [
    ("metric_time__month", "month"),
    ("metric_time__fiscal_quarter", "quarter"),
    ("metric_time__fiscal_year", "year"),
]

# Every registry metric the semantic layer expresses, read from the registry.
SEMANTIC_METRICS = [m for m in registry() if m.semantic.expressible]
TOTAL_METRICS = [m.metric_id for m in SEMANTIC_METRICS if m.has_total]
# Metrics without a total row ("no total row" in their definition): kpi dimension -> mf group-by giving its rows.
NO_TOTAL_SLICES = {"stage_conversion_rate": ("stage", "stage_stay__stage")}


def mf_env(home: Path, landing: Path, as_of: str) -> dict[str, str]:
    """The environment for `salesmart run` and `mf query` on `home`."""
    return {
        **os.environ,
        "SALESMART_HOME": str(home),
        "SALESMART_LANDING": str(landing),
        "SALESMART_AS_OF": as_of,
        "DBT_PROFILES_DIR": str(ROOT / "profiles"),
        "DBT_PROJECT_DIR": str(ROOT),
    }


def build_warehouse(root: Path, landing: Path, as_of: str, *run_args: str) -> dict[str, str]:
    """`salesmart run` (load, validate, build, publish) of `landing` into `root`/home, with `run_args`; returns
    the env for mf.

    mf reads <project>/target/semantic_manifest.json and knows no other path (dbt-metricflow 0.15), while the
    test session gives dbt a target path of its own (conftest): this run writes the project's target/."""
    env = mf_env(root / "home", landing, as_of)
    result = subprocess.run(
        [*salesmart_command(), "run", *run_args],
        env={**env, "DBT_TARGET_PATH": str(ROOT / "target")},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return env


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Generate, load, build and publish a small warehouse; returns the environment for dbt and mf."""
    root = tmp_path_factory.mktemp("semantic")
    generate(root / "landing", scale=0.005, seed=7, start=date(2025, 1, 1), months=9)
    return build_warehouse(
        root, root / "landing", AS_OF, "--vars", f"{{fiscal_year_start_month: {FISCAL_YEAR_START_MONTH}}}"
    )


@pytest.fixture(scope="module")
def hand_made(
    pipeline_warehouse: Path, warehouse: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The hand-made pipeline landing (test_pipeline_kpis) built as of 2026-03-31: the session's
    pipeline_warehouse, copied (mf opens build.duckdb for writing). `warehouse` is built first: its run
    writes the semantic manifest mf reads."""
    home = copy_home(pipeline_warehouse, tmp_path_factory.mktemp("semantic_hand_made") / "home")
    return mf_env(home, pipeline_warehouse.parent / "landing", "2026-03-31")


def mf_query(env: dict[str, str], metrics: list[str], group_by: str, out: Path) -> list[dict[str, str]]:
    """Run `mf query ... --csv out` from the project root; returns the CSV rows."""
    command = [MF_COMMAND, "query", "--metrics", ",".join(metrics), "--group-by", group_by, "--csv", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and out.exists(), result.stdout[-4000:] + result.stderr[-4000:]
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def kpi_values(
    env: dict[str, str], metrics: list[str], grain: str, dimension: str = "total"
) -> dict[tuple[str, str, str], float | None]:
    """(metric_id, period_start, dimension_value) -> value of the `dimension` slices (the total by default) in
    the published kpi_metric_values."""
    published = Path(env["SALESMART_HOME"]) / "salesmart.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            """
            select metric_id, cast(period_start as varchar), dimension_value, value
            from marts.kpi_metric_values
            where period_grain = ? and dimension_name = ? and list_contains(?, metric_id)
            """,
            [grain, dimension, metrics],
        ).fetchall()
    return {(metric_id, period_start, slice_value): value for metric_id, period_start, slice_value, value in rows}


def compare(
    mf_rows: list[dict[str, str]],
    time_column: str,
    kpi: dict[tuple[str, str, str], float | None],
    dimension_column: str | None = None,
) -> tuple[int, list[str]]:
    """Matches every kpi row with mf's (by period, and by `dimension_column` when given); returns (values
    compared, mismatches).

    MetricFlow returns no row for a period without events, where kpi_metric_values has 0 (counts and
    sums) or null (ratios): both count as agreement. Periods after the as-of period (mf only) are ignored.
    """
    by_key = {(row[time_column][:10], row[dimension_column] if dimension_column else "total"): row for row in mf_rows}
    compared, mismatches = 0, []
    for (metric_id, period_start, dimension_value), expected in sorted(kpi.items()):
        row = by_key.get((period_start, dimension_value))
        text = row.get(metric_id, "") if row else ""
        actual = float(text) if text not in ("", None) else None
        if actual is None:
            ok = expected is None or expected == 0
        else:
            ok = expected is not None and math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=1e-9)
        compared += 1
        if not ok:
            mismatches.append(
                f"{metric_id} {period_start} {dimension_value}: mf {actual} != kpi_metric_values {expected}"
            )
    return compared, mismatches


def by_period(rows: list[dict[str, str]], time_column: str) -> dict[str, dict[str, float | None]]:
    return {
        row[time_column][:10]: {
            k: (float(v) if v not in ("", None) else None) for k, v in row.items() if k != time_column
        }
        for row in rows
    }


def test_hand_made_pipeline_by_month(hand_made: dict[str, str], tmp_path: Path) -> None:
    metrics = [
        "opportunities_created",
        "opportunities_won",
        "opportunities_lost",
        "bookings",
        "win_rate",
        "pipeline_value",
    ]
    got = by_period(mf_query(hand_made, metrics, "metric_time__month", tmp_path / "month.csv"), "metric_time__month")
    # created: O1-O4 in January (deleted O6 not), O5 in February, O7 in March. O4's January loss was
    # undone by its re-opening. Bookings: O1 1000; O3 5000 EUR at 1.20; O4 3500. Pipeline at month ends:
    # O2 2000 + O3 5000 EUR at 1.10; O4 3000 + O5 4000; O5 4500 + O7 1000 EUR at 1.25.
    assert got["2026-01-01"] == pytest.approx(
        {
            "opportunities_created": 4,
            "opportunities_won": 1,
            "opportunities_lost": 0,
            "bookings": 1000,
            "win_rate": 1.0,
            "pipeline_value": 7500,
        }
    )
    assert got["2026-02-01"] == pytest.approx(
        {
            "opportunities_created": 1,
            "opportunities_won": 1,
            "opportunities_lost": 1,
            "bookings": 6000,
            "win_rate": 0.5,
            "pipeline_value": 7000,
        }
    )
    assert got["2026-03-01"] == pytest.approx(
        {
            "opportunities_created": 1,
            "opportunities_won": 1,
            "opportunities_lost": 0,
            "bookings": 3500,
            "win_rate": 1.0,
            "pipeline_value": 5750,
        }
    )
    assert set(got) == {"2026-01-01", "2026-02-01", "2026-03-01"}


def test_hand_made_pipeline_by_quarter_and_team(hand_made: dict[str, str], tmp_path: Path) -> None:
    metrics = ["bookings", "win_rate", "avg_deal_size", "sales_cycle_days", "pipeline_value"]
    got = by_period(mf_query(hand_made, metrics, "metric_time__quarter", tmp_path / "q.csv"), "metric_time__quarter")
    # 3 wins (O1 15 days, O3 34, O4 54) and 1 loss (O2); pipeline at 03-31 as in March.
    assert got == {
        "2026-01-01": pytest.approx(
            {
                "bookings": 10500,
                "win_rate": 0.75,
                "avg_deal_size": 3500,
                "sales_cycle_days": (15 + 34 + 54) / 3,
                "pipeline_value": 5750,
            }
        )
    }
    rows = mf_query(hand_made, ["bookings"], "metric_time__quarter,opportunity__team", tmp_path / "team.csv")
    by_team = {row["opportunity__team"]: float(row["bookings"]) for row in rows if row["bookings"]}
    # team A: u1's O1 1000 + u2's O3 6000; team B: u3's O4 3500
    assert by_team == pytest.approx({"A": 7000, "B": 3500})


def test_registry_metrics_without_total_have_a_slice() -> None:
    without_total = sorted(m.metric_id for m in SEMANTIC_METRICS if not m.has_total)
    assert without_total == sorted(NO_TOTAL_SLICES)
    assert TOTAL_METRICS, "no registry metric is in the semantic layer"


@pytest.mark.parametrize(("group_by", "grain"), GRAINS)
def test_every_semantic_metric_matches_kpi_metric_values(
    warehouse: dict[str, str], tmp_path: Path, group_by: str, grain: str
) -> None:
    rows = mf_query(warehouse, TOTAL_METRICS, group_by, tmp_path / f"{grain}.csv")
    kpi = kpi_values(warehouse, TOTAL_METRICS, grain)
    assert {metric_id for metric_id, _, _ in kpi} == set(TOTAL_METRICS), "a metric is missing in kpi_metric_values"
    compared, mismatches = compare(rows, group_by, kpi)
    assert mismatches == []
    assert compared == len(kpi)
    # the data must be rich enough for the comparison to mean something: every metric has a non-zero value
    # in some period of the grain
    flat = [metric_id for (metric_id, _, _), value in kpi.items() if value]
    assert sorted(set(TOTAL_METRICS) - set(flat)) == []


@pytest.mark.parametrize(("group_by", "grain"), GRAINS)
def test_metrics_without_total_match_on_their_dimension(
    warehouse: dict[str, str], tmp_path: Path, group_by: str, grain: str
) -> None:
    for metric_id, (dimension, mf_dimension) in NO_TOTAL_SLICES.items():
        rows = mf_query(warehouse, [metric_id], f"{group_by},{mf_dimension}", tmp_path / f"{metric_id}.csv")
        kpi = kpi_values(warehouse, [metric_id], grain, dimension)
        compared, mismatches = compare(rows, group_by, kpi, mf_dimension)
        assert mismatches == []
        assert compared == len(kpi) > 0
        assert any(kpi.values()), f"{metric_id} is 0 or null on every {dimension}"
