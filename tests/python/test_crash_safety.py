"""Blue/green publish and crash safety with real processes (issue 5, items 3 and 4).

Each test copies the session warehouse (dq_landing.LANDING, built once), adds one landing file that changes a
KPI, and runs `salesmart` as a subprocess. The published file must always open read-only and hold either the
previous KPIs or, after a complete run, the new ones, never anything in between.

The change file adds 8 recruiting hours on requisition r2 (engineering) in March 2026. By hand:
  before: engineering 12 h / 6 candidates = 2.0, total 16 h / 8 = 2.0
  after:  engineering 20 h / 6 candidates = 3.333..., total 24 h / 8 = 3.0
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dq_landing import TS, run_salesmart, salesmart_command, salesmart_env, write_landing
from salesmart.cli import app
from salesmart.config import Settings

CHANGE = {
    "hr/time_entries/2026-04-01.csv": (
        f"entry_id,employee_id,work_date,category,hours,requisition_id,updated_at\nte3,e9,2026-03-12,recruiting,8,r2,{TS}\n"
    )
}

# Publish copies one relation per second in the wrapped process, so a kill lands inside it.
SLOW_PUBLISH = """
import sys, time
import salesmart.publish as publish
real_copy = publish._copy_relation
def slow_copy(con, name):
    real_copy(con, name)
    time.sleep(1.0)
publish._copy_relation = slow_copy
from salesmart.cli import main
sys.argv = ["salesmart", *sys.argv[1:]]
main()
"""


def copy_warehouse(source: Path, target: Path) -> tuple[Path, Path]:
    """A private copy of the session warehouse (home without the GX project and report) and its landing."""
    shutil.copytree(source / "home", target / "home", ignore=shutil.ignore_patterns("gx", "report"))
    shutil.copytree(source / "landing", target / "landing")
    return target / "home", target / "landing"


def kpi_rows(db: Path) -> list[tuple]:
    """Every row of marts.kpi_metric_values, read-only (fails if the file does not open)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * from marts.kpi_metric_values order by all").fetchall()


def recruiting_hours_per_candidate(db: Path) -> dict[str, float | None]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select dimension_value, value from marts.kpi_metric_values "
            "where metric_id = 'recruiting_hours_per_candidate' and period_grain = 'month' "
            "and period_start = date '2026-03-01' and dimension_name in ('total', 'department')"
        ).fetchall()
    return dict(rows)


BEFORE = {"total": 2.0, "engineering": 2.0, "sales": None}
AFTER = {"total": 3.0, "engineering": pytest.approx(20 / 6), "sales": None}


def log_records(home: Path) -> list[dict]:
    path = home / "runs.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        assert proc.poll() is None, f"salesmart exited ({proc.returncode}) before {what}"
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start(home: Path, landing: Path, out: Path, command: list[str]) -> subprocess.Popen:
    with (out.with_suffix(".out")).open("w") as stdout, (out.with_suffix(".err")).open("w") as stderr:
        return subprocess.Popen(command, env=salesmart_env(home, landing), stdout=stdout, stderr=stderr)


def kill(proc: subprocess.Popen) -> None:
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


@pytest.mark.slow
def test_killed_build_then_killed_publish_keep_the_previous_mart(dq_warehouse: Path, tmp_path: Path) -> None:
    home, landing = copy_warehouse(dq_warehouse, tmp_path)
    published = home / "salesmart.duckdb"
    before_rows = kpi_rows(published)
    assert recruiting_hours_per_candidate(published) == BEFORE
    baseline_runs = {r["run_id"] for r in log_records(home)}
    write_landing(landing, CHANGE)

    # 1. SIGKILL during build (validate has logged ok, dbt is running).
    proc = start(home, landing, tmp_path / "run1", salesmart_command() + ["run"])

    def validated() -> bool:
        return any(r["step"] == "validate" and r["run_id"] not in baseline_runs for r in log_records(home))

    wait_for(validated, proc, 300, "validate to finish")
    # A second run while the first holds the lock is refused, and says who holds it.
    second = run_salesmart(home, landing, "run", timeout=120)
    assert second.returncode == 1
    assert f"refused: another salesmart run is using {home} (pid {proc.pid}); wait for it to finish" in " ".join(
        second.stderr.split()
    )
    time.sleep(3)  # well inside dbt build (about 60 s here)
    kill(proc)
    killed_run = {r["run_id"] for r in log_records(home)} - baseline_runs
    assert [(r["step"], r["status"]) for r in log_records(home) if r["run_id"] in killed_run] == [
        ("load", "ok"),
        ("validate", "ok"),
    ]
    assert kpi_rows(published) == before_rows
    assert (home / ".run.lock").read_text() == str(proc.pid)  # left by the killed run
    # build.duckdb now holds a half-built, untested state: a standalone publish refuses it.
    # Its lock is stale: taken over and noted (stderr and runs.log step lock).
    refused = run_salesmart(home, landing, "publish", timeout=120)
    refused_err = " ".join(refused.stderr.split())
    assert refused.returncode == 1
    assert f"note: cleared a stale run lock left by pid {proc.pid}" in refused_err
    (killed_run_id,) = killed_run
    assert (
        f"publish failed: the last build (run {killed_run_id}) did not finish (the process was killed)" in refused_err
    )
    refused_log = log_records(home)[-2:]
    assert [(r["step"], r["status"]) for r in refused_log] == [("lock", "warn"), ("publish", "failed")]
    assert refused_log[0]["details"]["stale_lock_pid"] == str(proc.pid)
    assert kpi_rows(published) == before_rows

    # 2. The next run takes the stale lock over (and says so), builds, and is SIGKILLed inside publish.
    seen_runs = {r["run_id"] for r in log_records(home)}
    proc2 = start(home, landing, tmp_path / "run2", [sys.executable, "-c", SLOW_PUBLISH, "run"])

    def publishing() -> bool:
        return any(home.glob(".salesmart-publish-*.duckdb"))

    wait_for(publishing, proc2, 600, "publish to start writing its temp file")
    time.sleep(1.5)  # at least one relation copied into the temp file
    kill(proc2)
    stderr2 = " ".join((tmp_path / "run2.err").read_text().split())
    # The refused publish above ended normally, so the lock it took over from the killed run is released.
    assert "stale run lock" not in stderr2
    run2 = [r for r in log_records(home) if r["run_id"] not in seen_runs]
    assert [(r["step"], r["status"]) for r in run2] == [
        ("load", "ok"),
        ("validate", "ok"),
        ("build", "ok"),
    ]
    assert kpi_rows(published) == before_rows
    assert recruiting_hours_per_candidate(published) == BEFORE
    leftovers = list(home.glob(".salesmart-publish-*.duckdb"))
    assert len(leftovers) == 1

    # 3. Publishing the tested build swaps the new KPIs in and clears the killed publish's temp file.
    third = run_salesmart(home, landing, "publish", timeout=300)
    assert third.returncode == 0, third.stdout + third.stderr
    assert f"note: cleared a stale run lock left by pid {proc2.pid}" in " ".join(third.stderr.split())
    assert recruiting_hours_per_candidate(published) == AFTER
    assert not any(home.glob(".salesmart-publish-*"))


@pytest.mark.slow
def test_failing_dbt_test_exits_1_and_leaves_the_published_mart(dq_warehouse: Path, tmp_path: Path) -> None:
    home, landing = copy_warehouse(dq_warehouse, tmp_path)
    published = home / "salesmart.duckdb"
    before_rows = kpi_rows(published)
    before_mtime = published.stat().st_mtime_ns
    # 'on_hold' passes the loader and validate (the contract lists no stages) but breaks the staging
    # accepted_values test on stage_name.
    write_landing(
        landing,
        {
            "crm/opportunities/2026-04-03.csv": (
                "opportunity_id,account_id,owner_user_id,opportunity_type,stage_name,amount,currency_code,"
                "close_date,is_closed,is_won,closed_at,created_at,updated_at,is_deleted\n"
                "O7,a2,u3,new_business,on_hold,1000,EUR,2026-03-31,false,false,,2026-03-20T09:00:00Z,"
                "2026-03-30T09:00:00Z,false\n"
            ),
            **CHANGE,
        },
    )
    result = run_salesmart(home, landing, "run")
    err = " ".join(result.stderr.split())
    out = " ".join(result.stdout.split())
    assert result.returncode == 1
    assert "failed test.salesmart.accepted_values_stg_crm__opportunities_stage_name" in err
    assert "run stopped at build: the published mart is unchanged" in out
    assert published.stat().st_mtime_ns == before_mtime
    assert kpi_rows(published) == before_rows
    last = log_records(home)[-1]
    assert (last["step"], last["status"]) == ("build", "failed")
    # Publishing that build by hand is refused too.
    refused = run_salesmart(home, landing, "publish", timeout=120)
    assert refused.returncode == 1
    assert f"the last build (run {last['run_id']}) failed its dbt tests" in " ".join(refused.stderr.split())
    assert kpi_rows(published) == before_rows


# ---------------------------------------------------------------- fast checks of the same guards


def test_stale_lock_is_taken_over_and_noted(runner: CliRunner, settings: Settings) -> None:
    # A killed run leaves its pid in the lock file; flock itself died with the process.
    (settings.home / ".run.lock").write_text("999999")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "note: cleared a stale run lock left by pid 999999" in " ".join(result.output.split())
    lock, step = [(r["step"], r["status"], r["details"]) for r in log_records(settings.home)]
    assert lock == ("lock", "warn", {"stale_lock_pid": "999999", "note": "stale run lock cleared"})
    assert step[:2] == ("validate", "ok")
    assert (settings.home / ".run.lock").read_text() == ""  # released normally this time
    again = runner.invoke(app, ["validate"])
    assert "stale run lock" not in again.output


@pytest.mark.parametrize(
    ("state", "exit_code", "message"),
    [
        ("failed r1", 1, "publish failed: the last build (run r1) failed its dbt tests;"),
        ("running r2", 1, "publish failed: the last build (run r2) did not finish (the process was killed);"),
        ("ok r3", 0, "publish: 1 table(s) of schema marts"),
    ],
)
def test_publish_only_takes_a_build_that_passed(
    runner: CliRunner, settings: Settings, state: str, exit_code: int, message: str
) -> None:
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema marts; create table marts.kpi_metric_values as select 1.5 as value")
    (settings.home / ".build-state").write_text(state + "\n")
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == exit_code
    assert message in " ".join(result.output.split())
    assert settings.published_db.exists() == (exit_code == 0)
