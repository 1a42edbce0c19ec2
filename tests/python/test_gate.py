"""The gate between landed files and the models (docs/data_quality.md, "The gate"), issue #15's must-fix items.

The slow tests run the sales-outcomes landing of test_sales_outcomes_kpis (hand-computed there: bookings
January 1000 (O1), February 6000 (O2, 5000 EUR at 1.20), March 0; revenue Q1 7400) with files added around it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import salesmart_command
from salesmart.build import _covers_project
from salesmart.cli import app
from test_sales_outcomes_kpis import LANDING, _csv, _line, _opportunity, _order

OPPS = "crm/opportunities"


def flat(output: str) -> str:
    return " ".join(output.split())


def write_files(landing: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def opportunity_file(opp: str, amount: int, closed: str) -> str:
    return _csv(
        "crm.opportunities",
        [_opportunity(opp, "a1", "u1", "new_business", True, amount, "USD", "2026-03-01T09:00:00Z", closed)],
    )


def salesmart(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESMART_")}
    env.update(
        SALESMART_HOME=str(root / "home"),
        SALESMART_LANDING=str(root / "landing"),
        SALESMART_AS_OF="2026-03-31",
        COLUMNS="250",
    )
    return subprocess.run([*salesmart_command(), *args], env=env, capture_output=True, text=True, timeout=900)


def published_value(root: Path, metric: str, grain: str, period: str) -> float:
    with duckdb.connect(str(root / "home" / "salesmart.duckdb"), read_only=True) as con:
        (value,) = con.execute(
            "select value from marts.kpi_metric_values where metric_id = ? and period_grain = ? "
            "and period_start = ?::date and dimension_name = 'total'",
            [metric, grain, period],
        ).fetchone()
    return value


# ---------------------------------------------------------------- 1. a held file never reaches the models


@pytest.mark.slow
def test_a_failed_file_stays_out_of_later_runs_until_accepted(tmp_path: Path) -> None:
    write_files(tmp_path / "landing", LANDING)
    # O4 was won in March for -500: the gate holds the file.
    write_files(tmp_path / "landing", {f"{OPPS}/b.csv": opportunity_file("O4", -500, "2026-03-12T10:00:00Z")})
    first = salesmart(tmp_path, "run")
    assert first.returncode == 1
    assert f"FAILED {OPPS}/b.csv (crm.opportunities) column amount" in flat(first.stdout)
    assert not (tmp_path / "home" / "salesmart.duckdb").exists()

    # The next run brings a valid file (O5, won in March for 700): it passes, b.csv stays out.
    write_files(tmp_path / "landing", {f"{OPPS}/c.csv": opportunity_file("O5", 700, "2026-03-22T10:00:00Z")})
    second = salesmart(tmp_path, "run")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    held = "held back since an earlier run (not in the models until corrected or accepted with `salesmart accept`)"
    assert f"{held}: {OPPS}/b.csv" in flat(second.stdout)
    assert published_value(tmp_path, "bookings", "month", "2026-03-01") == pytest.approx(700)
    assert published_value(tmp_path, "bookings", "quarter", "2026-01-01") == pytest.approx(1000 + 6000 + 700)
    with duckdb.connect(str(tmp_path / "home" / "build.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from staging.stg_crm__opportunities where opportunity_id = 'O4'"
        ).fetchone() == (0,)
        assert con.execute("select count(*) from raw_crm.opportunities where opportunity_id = 'O4'").fetchone() == (1,)
    status = flat(salesmart(tmp_path, "status").stdout)
    assert f"{OPPS}/b.csv" in status and "failed" in status

    # Accepted by hand, b.csv opens the gate; it is older than c.csv, so the build is a full refresh.
    accepted = salesmart(tmp_path, "accept", f"{OPPS}/b.csv")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    third = salesmart(tmp_path, "run")
    assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
    assert "build: full refresh: file(s) accepted by hand: crm/opportunities/b.csv" in flat(third.stdout)
    assert published_value(tmp_path, "bookings", "month", "2026-03-01") == pytest.approx(700 - 500)


@pytest.mark.slow
@pytest.mark.parametrize("crm_source", ["salesforce", "hubspot"])
def test_every_dbt_source_reads_the_gated_views(crm_source: str, tmp_path: Path) -> None:
    """The invariant itself: with the default vars, no dbt source (contract systems and the connector's) reads
    a raw_ table, so a row of a file that has not passed the gate has no way into staging."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESMART_")}
    env["SALESMART_HOME"] = str(tmp_path)
    dbt = Path(salesmart_command()[0]).parent / "dbt"
    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(
        [str(dbt), "ls", "--project-dir", str(root), "--profiles-dir", str(root / "profiles")]
        + ["--resource-type", "source", "--output", "json", "--output-keys", "unique_id schema", "--quiet"]
        + ["--vars", json.dumps({"crm_source": crm_source}), "--target-path", str(tmp_path / "target")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    assert listed.returncode == 0, listed.stdout[-3000:]
    schemas = {row["unique_id"]: row["schema"] for row in map(json.loads, listed.stdout.splitlines())}
    assert f"source.salesmart.{crm_source}.opportunity" in schemas or f"source.salesmart.{crm_source}.deal" in schemas
    assert {source: schema for source, schema in schemas.items() if not schema.startswith("gated_")} == {}


def test_files_of_a_killed_load_are_checked_by_the_next_validate(runner: CliRunner, home: Path, landing: Path) -> None:
    write_files(landing, {f"{OPPS}/b.csv": opportunity_file("O4", -500, "2026-03-12T10:00:00Z")})
    assert runner.invoke(app, ["load"]).exit_code == 0
    db = home / "build.duckdb"
    with duckdb.connect(str(db)) as con:  # what a SIGKILL after the file's commit leaves
        con.execute("update meta.load_batches set status = 'running', finished_at = null")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert f"FAILED {OPPS}/b.csv (crm.opportunities) column amount" in flat(result.output)
    write_files(landing, {f"{OPPS}/c.csv": opportunity_file("O5", 700, "2026-03-22T10:00:00Z")})
    assert runner.invoke(app, ["load"]).exit_code == 0
    assert runner.invoke(app, ["validate"]).exit_code == 0  # c.csv passes; b.csv is still held, not new
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select batch_id, status from meta.load_batches order by 1").fetchall() == [
            (1, "interrupted"),
            (2, "completed"),
        ]
        assert con.execute(
            "select source_file, gate from meta.loaded_files where status = 'loaded' order by file_id"
        ).fetchall() == [
            (f"{OPPS}/b.csv", "failed"),
            (f"{OPPS}/c.csv", "passed"),
        ]
        assert con.execute("select opportunity_id from gated_crm.opportunities").fetchall() == [("O5",)]


def test_a_corrected_resend_supersedes_the_held_file(runner: CliRunner, home: Path, landing: Path) -> None:
    write_files(landing, {f"{OPPS}/b.csv": opportunity_file("O4", -500, "2026-03-12T10:00:00Z")})
    runner.invoke(app, ["load"])
    assert runner.invoke(app, ["validate"]).exit_code == 1
    write_files(landing, {f"{OPPS}/b.csv": opportunity_file("O4", 500, "2026-03-12T10:00:00Z")})
    runner.invoke(app, ["load"])
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "held back" not in result.output
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        assert con.execute(
            "select gate from meta.loaded_files where status = 'loaded' order by file_id"
        ).fetchall() == [
            ("superseded",),
            ("passed",),
        ]
        assert con.execute("select amount from gated_crm.opportunities").fetchall() == [(500,)]


def test_accept_refuses_a_file_the_gate_does_not_hold(runner: CliRunner, home: Path, landing: Path) -> None:
    write_files(landing, {f"{OPPS}/c.csv": opportunity_file("O5", 700, "2026-03-22T10:00:00Z")})
    runner.invoke(app, ["load"])
    runner.invoke(app, ["validate"])
    result = runner.invoke(app, ["accept", f"{OPPS}/c.csv"])
    assert result.exit_code == 1
    assert f"accept failed: not held by the gate: {OPPS}/c.csv (held files: none)" in flat(result.output)


# ---------------------------------------------------------------- 2. a partial build is not publishable


def test_a_build_covers_the_project_only_when_every_model_seed_and_test_ran() -> None:
    manifest = {
        "nodes": {
            "model.salesmart.a": {"resource_type": "model"},
            "seed.salesmart.s": {"resource_type": "seed"},
            "test.salesmart.t": {"resource_type": "test"},
            "unit_test.salesmart.u": {"resource_type": "unit_test"},
        }
    }
    assert _covers_project(manifest, {"model.salesmart.a", "seed.salesmart.s", "test.salesmart.t"})
    assert not _covers_project(manifest, {"model.salesmart.a", "seed.salesmart.s"})
    assert not _covers_project({}, set())


def test_publish_refuses_a_partial_build(runner: CliRunner, home: Path) -> None:
    (home / ".build-state").write_text("partial r7\n")
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 1
    assert (
        "publish failed: the last build (run r7) built a selection only (--select), so some published tables "
        "were not rebuilt and tested"
    ) in flat(result.output)


# ---------------------------------------------------------------- 3. dates outside the window


def test_far_future_and_pre_1970_timestamps_are_rejected_with_file_line_and_column(
    runner: CliRunner, home: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESMART_PLANNING_HORIZON_DAYS", "365")
    rows = [
        _opportunity("O1", "a1", "u1", "new_business", True, 10, "USD", "2026-03-01T09:00:00Z", "9999-12-31T00:00:00Z"),
        _opportunity("O2", "a1", "u1", "new_business", True, 10, "USD", "1969-12-31T23:59:59Z", "2026-03-02T00:00:00Z"),
        _opportunity("O3", "a1", "u1", "new_business", True, 10, "USD", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"),
        {
            **_opportunity("O4", "a1", "u1", "new_business", False, 10, "USD", "2026-03-01T09:00:00Z", ""),
            "is_closed": "false",
            "close_date": "2099-01-01",
        },
        {**_opportunity("O5", "a1", "u1", "new_business", True, 10, "USD", "infinity", "2026-03-02T00:00:00Z")},
    ]
    write_files(landing, {f"{OPPS}/f.csv": _csv("crm.opportunities", rows)})
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 0
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        rejected = con.execute(
            "select line_number, column_name, reason from meta.rejected_rows order by 1, 2"
        ).fetchall()
        landed = con.execute("select opportunity_id from raw_crm.opportunities").fetchall()
    assert landed == [("O3",)]
    lines = {(line, column): reason for line, column, reason in rejected}
    assert lines[(2, "close_date")].startswith("'9999-12-31' is after the planning horizon")
    assert lines[(2, "closed_at")].startswith("'9999-12-31T00:00:00Z' is after the load time plus the future margin")
    assert lines[(2, "closed_at")].endswith("(SALESMART_MAX_FUTURE_DAYS)")
    assert lines[(3, "created_at")] == "'1969-12-31T23:59:59Z' is before 1970-01-01 (SALESMART_EARLIEST_DATE)"
    assert lines[(5, "close_date")].endswith("(SALESMART_PLANNING_HORIZON_DAYS)")
    assert lines[(6, "created_at")] == "'infinity' is not a valid timestamp (expected ISO 8601)"
    assert f"{OPPS} " not in flat(result.output)  # the console names the file with its line
    assert f"{OPPS}/f.csv line 2, column close_date" in flat(result.output)


# ---------------------------------------------------------------- 4. one-line errors instead of tracebacks


def test_a_file_name_that_is_not_utf8_is_rejected_and_the_others_load(
    runner: CliRunner, home: Path, landing: Path
) -> None:
    folder = landing / OPPS
    folder.mkdir(parents=True)
    (folder / "ok.csv").write_text(opportunity_file("O5", 700, "2026-03-22T10:00:00Z"), encoding="utf-8")
    with open(os.fsencode(folder) + b"/caf\xe9.csv", "wb") as latin1_name:
        latin1_name.write(opportunity_file("O6", 1, "2026-03-22T10:00:00Z").encode())
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 0, result.output
    assert "rejected file crm/opportunities/caf\\xe9.csv: file name is not valid UTF-8; rename it" in flat(
        result.output
    )
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        assert con.execute("select status from meta.load_batches").fetchall() == [("completed",)]
        assert con.execute("select opportunity_id from raw_crm.opportunities").fetchall() == [("O5",)]


def test_a_lock_path_that_is_a_directory_is_a_usage_error(runner: CliRunner, home: Path) -> None:
    (home / ".run.lock").mkdir()
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert flat(result.output) == (
        f"error: the run lock {home / '.run.lock'} is a directory; remove it (salesmart creates the file)"
    )


def test_a_home_that_is_a_file_is_a_usage_error(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    not_a_dir = tmp_path / "home-file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("SALESMART_HOME", str(not_a_dir))
    for command in (["status"], ["load"], ["run"], ["validate"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert (
            flat(result.output)
            == f"error: SALESMART_HOME {not_a_dir} is a file, not a directory; point it at a directory"
        )


# ---------------------------------------------------------------- 5. late-arriving parents


@pytest.mark.slow
def test_order_lines_wait_for_their_order_and_come_in_with_it(tmp_path: Path) -> None:
    write_files(tmp_path / "landing", LANDING)
    # L7 belongs to order R7, which is not loaded yet: 2 x 100 USD.
    write_files(
        tmp_path / "landing",
        {"crm/order_lines/late.csv": _csv("crm.order_lines", [_line("L7", "R7", "p2", 2, 100, 50)])},
    )
    first = salesmart(tmp_path, "run")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert (
        "build: 1 row(s) wait for their parent: crm.order_lines L7 (crm.orders R7, crm/order_lines/late.csv)"
        in flat(first.stdout)
    )
    assert published_value(tmp_path, "revenue", "quarter", "2026-01-01") == pytest.approx(7400)
    status = flat(salesmart(tmp_path, "status").stdout)
    assert "crm.order_lines │ crm.orders │ 1 │ L7 → R7 (crm/order_lines/late.csv)" in status

    write_files(tmp_path / "landing", {"crm/orders/late.csv": _csv("crm.orders", [_order("R7", "a1", "2026-03-25")])})
    second = salesmart(tmp_path, "run")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "wait for their parent" not in second.stdout
    assert published_value(tmp_path, "revenue", "quarter", "2026-01-01") == pytest.approx(7400 + 200)
    runs = [json.loads(line) for line in (tmp_path / "home" / "runs.log").read_text().splitlines()]
    assert [r["details"].get("rows_awaiting_parent") for r in runs if r["step"] == "build"] == [1, 0]


# ---------------------------------------------------------------- should-fix: values and entries the gate refuses


def test_values_the_contract_does_not_allow_are_rejected_not_changed(
    runner: CliRunner, home: Path, landing: Path
) -> None:
    rows = [
        _opportunity(
            "O1", "a1", "u1", "new_business", True, "100.12345", "USD", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"
        ),
        _opportunity(
            "O2", "a1", "u1", "new_business", True, "100.50000", "USD", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"
        ),
        _opportunity("O3", "a1", "u1", "new_business", True, 10, "usd", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"),
        _opportunity(
            "O4", "NULL", "u1", "new_business", True, 10, "USD", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"
        ),
        _opportunity(
            "O5", "   ", "u1", "new_business", True, 10, "USD", "2026-03-01T09:00:00Z", "2026-03-02T00:00:00Z"
        ),
    ]
    write_files(landing, {f"{OPPS}/f.csv": _csv("crm.opportunities", rows)})
    assert runner.invoke(app, ["load"]).exit_code == 0
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        rejected = con.execute("select line_number, column_name, reason from meta.rejected_rows order by 1").fetchall()
        landed = con.execute("select opportunity_id, amount from raw_crm.opportunities").fetchall()
    assert [(opp, float(amount)) for opp, amount in landed] == [("O2", 100.5)]  # trailing zeros round nothing
    assert rejected == [
        (2, "amount", "'100.12345' is not a valid decimal(18,4) (at most 4 decimal places)"),
        (4, "currency_code", "'usd' is not an ISO 4217 currency code (three capital letters)"),
        (5, "account_id", "required value is the text 'NULL' (an empty field is null)"),
        (6, "account_id", "required value is blank"),
    ]


def test_links_fifos_and_hidden_files_are_listed_not_skipped(
    runner: CliRunner, home: Path, landing: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text(opportunity_file("O9", 1, "2026-03-22T10:00:00Z"))
    folder = landing / OPPS
    folder.mkdir(parents=True)
    (folder / "ok.csv").write_text(opportunity_file("O5", 700, "2026-03-22T10:00:00Z"))
    (folder / "out.csv").symlink_to(outside)
    os.mkfifo(folder / "pipe.csv")
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    (folder / ".hidden.csv").write_text(opportunity_file("O8", 1, "2026-03-22T10:00:00Z"))
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 0
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        files = con.execute("select source_file, status, error from meta.loaded_files order by source_file").fetchall()
    assert files == [
        (
            f"{OPPS}/.hidden.csv",
            "rejected",
            f"{OPPS}/.hidden.csv: hidden file (a name starting with '.'); not loaded: rename it to load it",
        ),
        (f"{OPPS}/ok.csv", "loaded", None),
        (f"{OPPS}/out.csv", "rejected", f"{OPPS}/out.csv: symbolic link to a file outside the landing; not followed"),
        (f"{OPPS}/pipe.csv", "rejected", f"{OPPS}/pipe.csv: not a regular file (a FIFO, socket or device); not read"),
        (f"{OPPS}/sub", "rejected", f"{OPPS}/sub: symbolic link to a directory; not followed"),
    ]


def test_a_misspelt_optional_header_is_named_in_a_warning(runner: CliRunner, home: Path, landing: Path) -> None:
    text = opportunity_file("O5", 700, "2026-03-22T10:00:00Z").replace("lost_reason", "lost_reasn", 1)
    write_files(landing, {f"{OPPS}/f.csv": text})
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 0
    assert (
        f"warning {OPPS}/f.csv: column 'lost_reasn' is not in the contract (kept as an extra column) and contract "
        "column 'lost_reason' is missing: misspelt? 'lost_reason' is null in every row of this file"
    ) in flat(result.output)
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        assert con.execute("select warnings from meta.loaded_files").fetchone()[0].startswith(f"{OPPS}/f.csv: column")


def test_jinja_in_vars_from_the_environment_is_refused(
    runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESMART_DBT_VARS", "{reporting_currency: \"{{ run_query('drop schema marts') }}\"}")
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 2
    assert "SALESMART_DBT_VARS: the value of 'reporting_currency' holds Jinja" in flat(result.output)
