"""Equivalence and access: the tiny landing set of test_pipeline_kpis through `salesmart run` on DuckDB and
on a real throwaway PostgreSQL server; marts.kpi_metric_values must match row for row. The DuckDB run is the
session's pipeline_warehouse (conftest: the same landing, as-of date and target), shared with the other
tests of that landing.

Tolerance: text, date and boolean columns must be equal; numeric columns (double on both engines) may
differ by at most 1e-9 relative (1e-9 absolute near zero): both engines sum exact decimals, but the doubles
derived from the sums (conversions, divisions, numeric arithmetic where DuckDB uses double) may round
differently in the last bit.
bi_reader may read marts and nothing else.

Needs the PostgreSQL server binaries (apt-get install postgresql); the test is skipped without them
unless SALESMART_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dq_landing import write_landing
from helpers import (
    assert_hand_computed_pipeline_numbers,
    assert_same_kpi_values,
    duckdb_kpi_rows,
    salesmart_command,
    timed_salesmart_run,
)
from salesmart import pg_server
from test_pipeline_kpis import LANDING

pytestmark = pytest.mark.slow

BI_PASSWORD = "bi-reader-test-password"


@pytest.fixture(scope="module")
def both(
    pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory, server: pg_server.PgServer
) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("equivalence")
    landing = root / "landing"
    write_landing(landing, LANDING)
    pg_env = {**server.env(), "SALESMART_PG_BI_PASSWORD": BI_PASSWORD}
    # the one build that runs the dbt unit tests on PostgreSQL (conftest leaves them out elsewhere)
    seconds = timed_salesmart_run(root, landing, "postgres", 1200, pg_env, unit_tests=True)
    print(f"\nsalesmart run: postgres {seconds:.1f}s (the DuckDB reference is the session's pipeline_warehouse)")
    duck_rows = duckdb_kpi_rows(pipeline_warehouse / "salesmart.duckdb")
    from salesmart import postgres

    params = postgres.PgParams(server.host, server.port, server.user, server.password, server.dbname)
    con = postgres.connect(params)
    try:
        with con.cursor() as cur:
            cur.execute("select * from marts.kpi_metric_values")
            names = [d[0] for d in cur.description]
            pg_rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
    return {"duckdb": duck_rows, "postgres": pg_rows, "params": params, "root": root, "env": pg_env}


def test_kpi_metric_values_identical_on_duckdb_and_postgres(both: dict[str, Any]) -> None:
    assert_same_kpi_values(both["duckdb"], both["postgres"])


def test_postgres_numbers_match_the_hand_computed_ones(both: dict[str, Any]) -> None:
    assert_hand_computed_pipeline_numbers(both["postgres"])


def test_kpi_command_reads_postgres(both: dict[str, Any]) -> None:
    env = {
        **os.environ,
        **both["env"],
        "SALESMART_HOME": str(both["root"] / "home-postgres"),
        "SALESMART_TARGET": "postgres",
    }
    result = subprocess.run(
        [*salesmart_command(), "kpi", "--metric", "bookings", "--grain", "quarter", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2  # header + Q1 2026
    assert lines[1].startswith("bookings,pipeline,currency,quarter,2026-01-01,2026-03-31,")
    assert ",10500.0," in lines[1]
    # Without options: the summary, February (complete) and March (in progress, as of 2026-03-31).
    summary = subprocess.run(
        [*salesmart_command(), "kpi"], env={**env, "COLUMNS": "100"}, capture_output=True, text=True, timeout=120
    )
    assert summary.returncode == 0, summary.stderr
    rows = {line.split()[0]: line.split()[1:] for line in summary.stdout.splitlines() if line.strip()}
    # bookings: February 6,000 (O3: 5,000 EUR at 1.20) against January's 1,000: +500%; March 3,500: -41.7%
    assert rows["bookings"] == ["6,000", "+500.0%", "3,500", "-41.7%"]
    # win rate: February 1 won of 2 closed against January 1 of 1 (-50%); March 1 of 1 (+100%)
    assert rows["win_rate"] == ["50.0%", "-50.0%", "100.0%", "+100.0%"]


@pytest.mark.parametrize(
    "relation",
    ["raw_crm.opportunities", "meta.loaded_files", "staging.stg_crm__opportunities", "intermediate.int_opportunities"],
)
def test_bi_reader_cannot_read_outside_marts(both: dict[str, Any], relation: str) -> None:
    import psycopg2
    import psycopg2.errors

    from salesmart import postgres

    con = postgres.connect(both["params"], user=postgres.BI_ROLE, password=BI_PASSWORD)
    try:
        with con.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
            cur.execute(f"select count(*) from {relation}")
    finally:
        con.close()
    assert psycopg2  # imported for the errors module


def test_bi_reader_reads_marts(both: dict[str, Any]) -> None:
    from salesmart import postgres

    con = postgres.connect(both["params"], user=postgres.BI_ROLE, password=BI_PASSWORD)
    try:
        with con.cursor() as cur:
            cur.execute("select count(*) from marts.kpi_metric_values")
            assert cur.fetchone()[0] == len(both["postgres"])
    finally:
        con.close()
