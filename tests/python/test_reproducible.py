"""Same landing, same code, same settings: the same warehouse to the last bit (docs/architecture.md, "Exact sums").

A generated landing of about 77k rows (scale 0.002, seed 7, 12 months from 2025-07-01) is built twice into
one home: `salesmart run --full-refresh`, then `salesmart build --full-refresh`. Every table of schema
marts must be identical row for row, doubles included. With doubles summed in parallel this landing showed
the drift: 196 of 30,982 kpi_metric_values rows differed between two runs (lead_response_hours,
pipeline_value, training_cost_per_employee); the small hand-made landings of the other tests are too small
to show it.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from helpers import salesmart_command
from salesmart.generate import generate

pytestmark = pytest.mark.slow


def _salesmart(*args: str, home: Path, landing: Path) -> None:
    env = {**os.environ, "SALESMART_HOME": str(home), "SALESMART_LANDING": str(landing)}
    env.pop("SALESMART_AS_OF", None)
    result = subprocess.run([*salesmart_command(), *args], env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _marts_snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every row of every table of schema marts in build.duckdb, sorted."""
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by table_name"
            ).fetchall()
        ]
        return {
            table: sorted(
                con.execute(f"select * from marts.{table}").fetchall(),
                key=lambda row: tuple((value is None, str(value)) for value in row),
            )
            for table in tables
        }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("reproducible")
    landing, home = root / "landing", root / "home"
    counts = generate(landing, scale=0.002, seed=7, start=date(2025, 7, 1), months=12)
    _salesmart("run", "--full-refresh", home=home, landing=landing)
    first = _marts_snapshot(home)
    _salesmart("build", "--full-refresh", home=home, landing=landing)
    return {"rows_generated": sum(counts.values()), "first": first, "second": _marts_snapshot(home), "home": home}


def test_the_landing_is_large_enough_to_show_float_drift(builds: dict) -> None:
    assert builds["rows_generated"] > 50_000
    assert len(builds["first"]["kpi_metric_values"]) > 30_000


def test_second_full_build_is_bit_identical(builds: dict) -> None:
    first, second = builds["first"], builds["second"]
    assert sorted(first) == sorted(second)
    assert len(first) > 20  # every fact, dimension and KPI table of the marts
    for table, rows in first.items():
        assert len(second[table]) == len(rows), table
        differing = [index for index, (a, b) in enumerate(zip(rows, second[table], strict=True)) if a != b]
        assert differing == [], f"{table}: {len(differing)} row(s) differ, first {rows[differing[0]]}"


def test_monthly_bookings_are_the_exact_decimal_sum(builds: dict) -> None:
    # Summed here with Python's Decimal, independent of DuckDB's aggregation: the KPI is that exact sum,
    # converted to double once.
    with duckdb.connect(str(builds["home"] / "build.duckdb"), read_only=True) as con:
        won = con.execute(
            """
            select date_trunc('month', closed_date)::date, amount_reporting
            from intermediate.int_opportunities
            where is_closed and is_won and closed_date is not null
            """
        ).fetchall()
        kpi = dict(
            con.execute(
                """
                select period_start, value from marts.kpi_metric_values
                where metric_id = 'bookings' and period_grain = 'month' and dimension_name = 'total'
                """
            ).fetchall()
        )
    exact: dict[date, Decimal] = {}
    for month, amount in won:
        exact[month] = exact.get(month, Decimal(0)) + amount
    checked = [month for month in exact if month in kpi]
    assert len(checked) >= 10
    assert all(isinstance(amount, Decimal) for _, amount in won)
    assert {month: kpi[month] for month in checked} == {month: float(exact[month]) for month in checked}
