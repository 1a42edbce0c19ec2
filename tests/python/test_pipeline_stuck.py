"""End to end on the hand-made pipeline landing set of test_pipeline_kpis.py (see its docstring for the
data; as-of 2026-03-31): stage stays, avg_days_in_stage, stalled_opportunities, win_rate_by_amount and
fct_pipeline_daily, each checked against values worked out by hand below, and fct_pipeline_daily's
incremental run against a full refresh on the same inputs.

Open stays that ended (entered -> exited, reporting dates), from opportunity_history:
  January   O1 prospecting 01-05 -> 01-10 (5), qualification 01-10 -> 01-15 (5), proposal 01-15 -> 01-20 (5),
            O3 prospecting 01-12 -> 01-20 (8), O4 prospecting 01-15 -> 01-25 (10)
  February  O2 prospecting 01-08 -> 02-10 (33), O3 discovery 01-20 -> 02-15 (26)
  March     O4 negotiation 02-05 -> 03-10 (33), O5 prospecting 02-20 -> 03-05 (13)
Open deals at month ends and days in their stage: Jan 31 O2 prospecting 23, O3 discovery 11;
Feb 28 O4 negotiation 23, O5 prospecting 8; Mar 31 O5 proposal 26, O7 qualification 11.
Open days (open at the day's last instant): January O1 01-05..01-19 (15), O2 01-08..01-31 (24),
O3 01-12..01-31 (20), O4 01-15..01-24 (10) = 69; February O2 02-01..02-09 (9), O3 02-01..02-14 (14),
O4 02-05..02-28 (24), O5 02-20..02-28 (9) = 56; March O4 03-01..03-09 (9), O5 (31), O7 03-20..03-31 (12) = 52.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from helpers import salesmart_command
from salesmart.config import Settings, project_root
from salesmart.load import load_landing
from salesmart.validate import validate
from test_pipeline_kpis import LANDING

pytestmark = pytest.mark.slow

AS_OF = "2026-03-31"


@pytest.fixture(scope="module")
def published(pipeline_warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(pipeline_warehouse / "salesmart.duckdb"), read_only=True)
    yield con
    con.close()


def kpi(con, metric: str, grain: str, period: str, dimension: str = "total", value: str = "total") -> dict:
    rows = con.execute(
        """
        select value, numerator, denominator, unit, direction, indicator
        from marts.kpi_metric_values
        where metric_id = ? and period_grain = ? and period_start = ?::date
          and dimension_name = ? and dimension_value = ?
        """,
        [metric, grain, period, dimension, value],
    ).fetchall()
    assert len(rows) == 1, f"{metric} {grain} {period} {dimension}={value}: {len(rows)} rows"
    return dict(zip(("value", "numerator", "denominator", "unit", "direction", "indicator"), rows[0], strict=True))


def dbt(home: Path, *args: str) -> None:
    """Run the dbt CLI of this environment on the worktree's project against <home>/build.duckdb."""
    root = project_root()
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--project-dir",
        str(root),
        "--profiles-dir",
        str(root / "profiles"),
    ]
    env = {**os.environ, "SALESMART_HOME": str(home), "SALESMART_AS_OF": AS_OF}
    result = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def copy_home(pipeline_warehouse: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(pipeline_warehouse / "build.duckdb", target / "build.duckdb")
    return target


# ---- stage stays


def test_stage_stays_of_the_reopened_deal(published):
    rows = published.execute(
        """
        select stage_name, entry_number, is_reentry, entered_date, exited_date, days_in_stage
        from marts.fct_opportunity_stage_intervals
        where opportunity_id = 'O4'
        order by entered_at
        """
    ).fetchall()
    assert rows == [
        ("prospecting", 1, False, date(2026, 1, 15), date(2026, 1, 25), 10),
        ("closed_lost", 1, False, date(2026, 1, 25), date(2026, 2, 5), 11),
        ("negotiation", 1, False, date(2026, 2, 5), date(2026, 3, 10), 33),
        # still won at the as-of date: 03-10 -> 03-31
        ("closed_won", 1, False, date(2026, 3, 10), None, 21),
    ]
    # 4 stays of O1, 2 of O2, 3 of O3, 4 of O4, 2 of O5, 1 of O7; deleted O6 has none
    assert published.execute("select count(*) from marts.fct_opportunity_stage_intervals").fetchone()[0] == 16


# ---- avg_days_in_stage


def test_avg_days_in_stage_per_month(published):
    jan = kpi(published, "avg_days_in_stage", "month", "2026-01-01")
    assert (jan["numerator"], jan["denominator"]) == (5 + 5 + 5 + 8 + 10, 5)
    assert jan["value"] == pytest.approx(33 / 5)
    assert kpi(published, "avg_days_in_stage", "month", "2026-02-01")["value"] == pytest.approx((33 + 26) / 2)
    assert kpi(published, "avg_days_in_stage", "month", "2026-03-01")["value"] == pytest.approx((33 + 13) / 2)
    assert (jan["unit"], jan["direction"], jan["indicator"]) == ("days", "lower", "leading")


def test_avg_days_in_stage_by_stage(published):
    q1 = kpi(published, "avg_days_in_stage", "quarter", "2026-01-01", "stage", "prospecting")
    assert (q1["numerator"], q1["denominator"]) == (5 + 8 + 10 + 33 + 13, 5)
    assert q1["value"] == pytest.approx(69 / 5)
    assert kpi(published, "avg_days_in_stage", "month", "2026-03-01", "stage", "negotiation")["value"] == 33
    assert kpi(published, "avg_days_in_stage", "quarter", "2026-01-01")["value"] == pytest.approx(138 / 9)


# ---- stalled_opportunities


def test_no_deal_is_stalled_with_the_default_30_days(published):
    # the longest stays at month ends are 23, 23 and 26 days
    for month in ("2026-01-01", "2026-02-01", "2026-03-01"):
        row = kpi(published, "stalled_opportunities", "month", month)
        assert row["value"] == 0
        assert row["unit"] == "count"


@pytest.fixture(scope="module")
def stall_kpis(pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    """marts.kpi_pipeline stalled_opportunities (total row) per (stall_days, grain, period_start)."""
    home = copy_home(pipeline_warehouse, tmp_path_factory.mktemp("stall") / "home")
    values: dict[int, dict] = {}
    for stall_days in (22, 23):
        # the stall flag is decided in fct_pipeline_snapshots, which kpi_pipeline counts
        dbt(
            home,
            "run",
            "--select",
            "fct_pipeline_snapshots kpi_pipeline",
            "--vars",
            f"{{stall_days: {stall_days}, as_of_date: '{AS_OF}'}}",
        )
        with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
            rows = con.execute(
                """
                select period_grain, period_start, dimension_name, dimension_value, stalled_opportunities
                from marts.kpi_pipeline
                where stalled_opportunities is not null
                """
            ).fetchall()
        values[stall_days] = {(g, str(p), n, v): s for g, p, n, v, s in rows}
    return values


def test_stalled_counts_stays_longer_than_stall_days(stall_kpis):
    # 22 days: O2 (23 days at Jan 31), O4 (23 at Feb 28), O5 (26 at Mar 31)
    s22 = stall_kpis[22]
    assert [s22[("month", m, "total", "total")] for m in ("2026-01-01", "2026-02-01", "2026-03-01")] == [1, 1, 1]
    assert s22[("month", "2026-01-01", "stage", "prospecting")] == 1
    assert s22[("month", "2026-02-01", "team", "B")] == 1
    assert s22[("month", "2026-03-01", "rep", "u2")] == 1
    assert s22[("quarter", "2026-01-01", "total", "total")] == 1
    # 23 days: 23 is not more than 23, so only O5 in March
    s23 = stall_kpis[23]
    assert [s23[("month", m, "total", "total")] for m in ("2026-01-01", "2026-02-01", "2026-03-01")] == [0, 0, 1]


def _stalled_in_january(home: Path) -> int:
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        (value,) = con.execute(
            "select stalled_opportunities from marts.kpi_pipeline where period_grain = 'month' "
            "and period_start = date '2026-01-01' and dimension_name = 'total'"
        ).fetchone()
    return value


def test_a_daily_run_after_another_dbt_run_rebuilds_everything(
    pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A daily run builds only what new files feed while the warehouse is its last passing build's; a dbt run
    with other vars in between (stall_days 22 flags O2 in January) must not survive the next daily run."""
    root = tmp_path_factory.mktemp("daily-after-dbt")
    home = shutil.copytree(pipeline_warehouse, root / "home")
    # with the dbt target of the session build (conftest): the copied record names its last invocation
    shutil.copytree(pipeline_warehouse.parent / "target", root / "target")
    env = {
        **os.environ,
        "SALESMART_HOME": str(home),
        "SALESMART_LANDING": str(pipeline_warehouse.parent / "landing"),
        "SALESMART_AS_OF": AS_OF,
        "DBT_TARGET_PATH": str(root / "target"),
    }

    def daily_run() -> str:
        result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result.stdout

    assert "nothing to build" in daily_run()  # no new file, no dbt run since the last passing build
    command = [str(Path(sys.executable).parent / "dbt"), "run", "--select", "fct_pipeline_snapshots kpi_pipeline"]
    command += ["--vars", f"{{stall_days: 22, as_of_date: '{AS_OF}'}}", "--project-dir", str(project_root())]
    command += ["--profiles-dir", str(project_root() / "profiles")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
    assert _stalled_in_january(home) == 1
    assert "nothing to build" not in daily_run()
    assert _stalled_in_january(home) == 0  # the default 30 days again


# ---- win_rate_by_amount


def test_win_rate_by_amount(published):
    # February: won O3 5000 EUR at 1.20 = 6000, lost O2 2000
    feb = kpi(published, "win_rate_by_amount", "month", "2026-02-01")
    assert (feb["numerator"], feb["denominator"]) == (pytest.approx(6000), pytest.approx(8000))
    assert feb["value"] == pytest.approx(0.75)
    # January: O1 won 1000; O4's loss was undone by the re-opening
    assert kpi(published, "win_rate_by_amount", "month", "2026-01-01")["value"] == pytest.approx(1.0)
    # Q1: won 1000 + 6000 + 3500 / closed that + 2000
    assert kpi(published, "win_rate_by_amount", "quarter", "2026-01-01")["value"] == pytest.approx(10500 / 12500)
    u1 = kpi(published, "win_rate_by_amount", "quarter", "2026-01-01", "rep", "u1")
    assert u1["value"] == pytest.approx(1000 / 3000)
    # the count-based rate of the same quarter is 3 / 4
    assert kpi(published, "win_rate", "quarter", "2026-01-01")["value"] == pytest.approx(0.75)
    assert (u1["unit"], u1["direction"], u1["indicator"]) == ("ratio", "higher", "lagging")


# ---- fct_pipeline_daily

DAILY_COLUMNS = (
    "opportunity_id, date_day, stage_name, owner_user_id, expected_close_date, product_family, "
    "amount, currency_code, amount_reporting"
)


def daily(con, opportunity_id: str, day: str) -> tuple | None:
    return con.execute(
        f"select {DAILY_COLUMNS} from marts.fct_pipeline_daily where opportunity_id = ? and date_day = ?::date",
        [opportunity_id, day],
    ).fetchone()


def test_pipeline_daily_rows(published):
    assert daily(published, "O5", "2026-03-10") == (
        "O5",
        date(2026, 3, 10),
        "proposal",
        "u2",
        date(2026, 4, 15),
        "unknown",
        4500,
        "USD",
        4500,
    )
    assert daily(published, "O5", "2026-03-04")[2:7] == ("prospecting", "u2", date(2026, 3, 25), "unknown", 4000)
    # EUR at the day's rate: 1.10 on Jan 31, 1.20 on Feb 1
    assert daily(published, "O3", "2026-01-31")[-1] == pytest.approx(5500)
    assert daily(published, "O3", "2026-02-01")[-1] == pytest.approx(6000)
    assert daily(published, "O7", "2026-03-31")[-1] == pytest.approx(1250)
    # O4: lost on Jan 25 (not open), re-opened Feb 5 09:00 (open at that day's end); O1 won Jan 20
    assert daily(published, "O4", "2026-01-31") is None
    assert daily(published, "O4", "2026-02-05")[2] == "negotiation"
    assert daily(published, "O1", "2026-01-19") is not None
    assert daily(published, "O1", "2026-01-20") is None


def test_pipeline_daily_open_days_per_month(published):
    counts = published.execute(
        """
        select extract(month from date_day) as month_number, count(*)
        from marts.fct_pipeline_daily
        group by 1
        order by 1
        """
    ).fetchall()
    assert counts == [(1, 15 + 24 + 20 + 10), (2, 9 + 14 + 24 + 9), (3, 9 + 31 + 12)]
    bounds = published.execute("select min(date_day), max(date_day) from marts.fct_pipeline_daily").fetchone()
    assert bounds == (date(2026, 1, 5), date(2026, 3, 31))
    assert (
        published.execute("select count(*) from marts.fct_pipeline_daily where opportunity_id = 'O6'").fetchone()[0]
        == 0
    )


# New files after the first build: O5 moves to negotiation at 4800 on 03-20, O7 is deleted.
OPPORTUNITIES_HEADER = LANDING["crm/opportunities/2026-02-01.csv"].splitlines()[0]
HISTORY_HEADER = LANDING["crm/opportunity_history/2026-04-01.csv"].splitlines()[0]
CHANGES = {
    "crm/opportunities/2026-04-02.csv": "\n".join(
        [
            OPPORTUNITIES_HEADER,
            "O5,a1,u2,,o5,new_business,negotiation,4800,USD,2026-04-30,false,false,,,"
            "2026-02-20T09:00:00Z,2026-03-20T12:00:00Z,false",
            "O7,a2,u3,,o7,new_business,qualification,1000,EUR,2026-03-31,false,false,,,"
            "2026-03-20T09:00:00Z,2026-03-25T09:00:00Z,true",
            "",
        ]
    ),
    "crm/opportunity_history/2026-04-02.csv": "\n".join(
        [HISTORY_HEADER, "h18,O5,negotiation,4800,2026-04-30,2026-03-20T12:00:00Z,u2", ""]
    ),
}


@pytest.fixture(scope="module")
def incremental_then_full(pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list]:
    """fct_pipeline_daily rows (with _watermark_file_id last) after an incremental run on the changed
    inputs, then after a full refresh on the same inputs."""
    root = tmp_path_factory.mktemp("incremental")
    home = copy_home(pipeline_warehouse, root / "home")
    landing = root / "landing"
    for relative, text in CHANGES.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    load_landing(home / "build.duckdb", landing)
    # dbt reads only the files that passed the gate
    assert validate(Settings.from_env(home=home, landing=landing)).ok
    query = f"select {DAILY_COLUMNS}, _watermark_file_id from marts.fct_pipeline_daily order by 1, 2"
    dbt(home, "run", "--select", "+fct_pipeline_daily")
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        incremental = con.execute(query).fetchall()
    dbt(home, "run", "--select", "fct_pipeline_daily", "--full-refresh")
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        full = con.execute(query).fetchall()
    return incremental, full


def test_incremental_run_picks_up_the_changes(incremental_then_full):
    incremental, _ = incremental_then_full
    by_key = {(r[0], r[1]): r for r in incremental}
    assert by_key[("O5", date(2026, 3, 19))][2] == "proposal"
    assert by_key[("O5", date(2026, 3, 20))][2:7] == ("negotiation", "u2", date(2026, 4, 30), "unknown", 4800)
    assert not any(r[0] == "O7" for r in incremental)
    # O5 was rebuilt with the new watermark; O2 (unchanged, closed before the last day built) kept its rows
    watermarks = {r[0]: r[-1] for r in incremental}
    assert watermarks["O5"] > watermarks["O2"]
    assert sum(1 for r in incremental if r[0] == "O2") == 24 + 9


def test_incremental_equals_full_refresh(incremental_then_full):
    incremental, full = incremental_then_full
    # the watermark records when a row was built, so it differs; every other column must match
    assert [r[:-1] for r in incremental] == [r[:-1] for r in full]
    # O7's 12 March days are gone; O5 keeps its 31
    assert len(full) == 177 - 12
