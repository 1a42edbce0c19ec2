"""CLI behaviour: usage errors (exit 2), kpi output, run log, status, run orchestration."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import JAN, SAMPLE_KPI_ROWS, write_kpi_table
from helpers import salesmart_command
from salesmart import build, runlog
from salesmart.cli import app
from salesmart.config import Settings, limit_memory
from salesmart.kpi import format_change, format_value


def table_rows(output: str) -> list[list[str]]:
    """Cells of every body row of the rich tables in `output`."""
    rows = []
    for line in output.splitlines():
        line = line.replace("┃", "│")  # header rows use the heavy bar
        if "│" in line:
            rows.append([cell.strip() for cell in line.split("│")[1:-1]])
    return rows


# ---------------------------------------------------------------- usage errors (exit 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kpi", "--grain", "week"], "'week' is not one of 'month', 'quarter', 'year'"),
        (["kpi", "--period", "2025-02-30"], "'2025-02-30' does not match the formats '%Y-%m-%d'"),
        (["kpi", "--period", "last-month"], "'last-month' does not match the formats '%Y-%m-%d'"),
        (["kpi", "--format", "xml"], "'xml' is not one of 'table', 'csv', 'json'"),
        (
            ["kpi", "--family", "sales"],
            "unknown family 'sales'; choose one of sales_outcomes, sales_activity",
        ),
        (["kpi", "--metric", "winrate"], "unknown metric 'winrate'"),
        (["kpi", "--family", "sales_outcomes", "--metric", "win_rate"], "belongs to family 'pipeline'"),
        (["generate", "--scale", "0"], "must be > 0, not 0.0"),
        (
            ["generate", "--months", "0"],
            "Invalid value for '--months': Input should be greater than or equal to 1",
        ),
        (["generate", "--start", "2025/01/01"], "does not match the formats '%Y-%m-%d'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        (
            "SALESMART_TARGET",
            "oracle",
            "SALESMART_TARGET must be one of duckdb, postgres, spark, not 'oracle'",
        ),
        ("SALESMART_AS_OF", "yesterday", "SALESMART_AS_OF must be a date YYYY-MM-DD, not 'yesterday'"),
        (
            "SALESMART_MEMORY_LIMIT",
            "lots",
            "SALESMART_MEMORY_LIMIT must be an amount of memory such as 4GB, not 'lots'",
        ),
    ],
)
def test_bad_environment_is_usage_error(
    runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env, value)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_load_missing_landing_is_usage_error(runner: CliRunner, home: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "salesmart.load", types.ModuleType("salesmart.load"))
    sys.modules["salesmart.load"].load_landing = lambda *a: pytest.fail("must not load")
    result = runner.invoke(app, ["load", "--landing", str(home / "nope")])
    assert result.exit_code == 2
    assert f"landing directory not found: {home / 'nope'}" in " ".join(result.output.split())


# ---------------------------------------------------------------- kpi


def test_format_value_by_unit() -> None:
    assert format_value(1_234_567.891, "currency") == "1,234,567.89"
    assert format_value(0.2345, "ratio") == "23.4%"
    assert format_value(52.0, "count") == "52"
    assert format_value(1_234_000.0, "count") == "1,234,000"
    assert format_value(30.5, "days") == "30.5 days"
    assert format_value(2.25, "hours") == "2.2 h"  # round half to even
    assert format_value(4.0, "years") == "4.0 years"
    assert format_value(1250.0, "currency_per_day") == "1,250.00/day"
    assert format_value(42.0, "score") == "42.0"
    assert format_value(None, "ratio") == "n/a"
    assert format_change(0.234567891) == "+23.5%"
    assert format_change(-0.2) == "-20.0%"
    assert format_change(None) == "n/a"


def test_kpi_table_month(runner: CliRunner, published: Path) -> None:
    result = runner.invoke(app, ["kpi", "--family", "pipeline"])
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == [
        ["metric", "period", "value", "vs prior"],
        ["bookings", "2025-01-01", "1,000,000.00", "n/a"],
        ["bookings", "2025-02-01 *", "1,234,567.89", "+23.5%"],
        ["opportunities_created", "2025-01-01", "40", "n/a"],
        ["opportunities_created", "2025-02-01 *", "52", "+30.0%"],
        ["sales_cycle_days", "2025-01-01", "30.5 days", "n/a"],
        ["sales_cycle_days", "2025-02-01 *", "n/a", "n/a"],
        ["win_rate", "2025-01-01", "25.0%", "n/a"],
        ["win_rate", "2025-02-01 *", "20.0%", "-20.0%"],
    ]
    assert "* period in progress (holds the as-of date)" in result.output


def test_kpi_all_families_one_table_each(runner: CliRunner, published: Path) -> None:
    result = runner.invoke(app, ["kpi", "--period", "2025-01-15"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.strip() for line in lines if line.strip() in ("pipeline", "sales_outcomes")] == [
        "pipeline",
        "sales_outcomes",
    ]
    assert table_rows(result.output)[-3:] == [
        ["metric", "period", "value", "vs prior"],
        ["nps", "2025-01-01", "42.0", "n/a"],
        ["revenue", "2025-01-01", "999.50", "n/a"],
    ]


def test_kpi_csv_period_filter(runner: CliRunner, published: Path) -> None:
    result = runner.invoke(app, ["kpi", "--metric", "bookings", "--period", "2025-02-28", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        [
            "metric_id",
            "family",
            "unit",
            "period_grain",
            "period_start",
            "period_end",
            "is_complete_period",
            "value",
            "prior_period_value",
            "change_vs_prior_period",
        ],
        [
            "bookings",
            "pipeline",
            "currency",
            "month",
            "2025-02-01",
            "2025-02-28",
            "False",
            "1234567.891",
            "1000000.0",
        ]
        + ["0.234567891"],
    ]


def test_kpi_json_quarter(runner: CliRunner, published: Path) -> None:
    result = runner.invoke(app, ["kpi", "--grain", "quarter", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "metric_id": "bookings",
            "family": "pipeline",
            "unit": "currency",
            "period_grain": "quarter",
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
            "is_complete_period": False,
            "value": 2234567.891,
            "prior_period_value": None,
            "change_vs_prior_period": None,
        }
    ]


def test_kpi_no_match(runner: CliRunner, published: Path) -> None:
    result = runner.invoke(app, ["kpi", "--family", "sales_activity"])
    assert result.exit_code == 0
    assert result.output.strip() == "no KPI rows match these filters"


def test_kpi_filter_values_are_bound_not_spliced(runner: CliRunner, published: Path) -> None:
    # A quote in a name is refused by the catalog check before any SQL runs.
    result = runner.invoke(app, ["kpi", "--metric", "x' or '1'='1"])
    assert result.exit_code == 2


def test_kpi_nothing_published(runner: CliRunner, home: Path) -> None:
    result = runner.invoke(app, ["kpi"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert f"nothing published yet: {home / 'salesmart.duckdb'} does not exist" in text


def test_kpi_published_without_kpi_table(runner: CliRunner, settings: Settings) -> None:
    with duckdb.connect(str(settings.published_db)) as con:
        con.execute("create schema marts; create table marts.dim_reps (user_id varchar)")
    result = runner.invoke(app, ["kpi"])
    assert result.exit_code == 1
    assert "has no marts.kpi_metric_values table" in " ".join(result.output.split())


def first_periods_sql(*rows: tuple[str, str, str]) -> str:
    """marts.kpi_metric_first_periods (the dbt model's output) holding (metric_id, grain, first period)."""
    values = ", ".join(f"('{metric}', '{grain}', date '{start}')" for metric, grain, start in rows)
    return (
        "create table marts.kpi_metric_first_periods (metric_id varchar, period_grain varchar, "
        f"first_period_start date); insert into marts.kpi_metric_first_periods values {values}"
    )


@pytest.fixture
def published_with_first_periods(settings: Settings) -> Path:
    """SAMPLE_KPI_ROWS plus a January bookings target of 800,000; win_rate's first data is February,
    sales_cycle_days has none (zero or null in every period), the rest start in January."""
    rows = [
        row | {"target_value": 800_000.0, "attainment": 1.25}
        if (row["metric_id"], row["period_start"], row["dimension_name"]) == ("bookings", JAN, "total")
        and row["period_grain"] == "month"
        else row
        for row in SAMPLE_KPI_ROWS
    ]
    extra = first_periods_sql(
        ("bookings", "month", "2025-01-01"),
        ("bookings", "quarter", "2025-01-01"),
        ("win_rate", "month", "2025-02-01"),
        ("opportunities_created", "month", "2025-01-01"),
        ("revenue", "month", "2025-01-01"),
        ("nps", "month", "2025-01-01"),
    )
    write_kpi_table(settings.published_db, rows, extra)
    return settings.published_db


def test_kpi_without_options_is_a_one_screen_summary(runner: CliRunner, published_with_first_periods: Path) -> None:
    result = runner.invoke(app, ["kpi"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    # Latest complete month, then the month in progress; headline metrics only (not opportunities_created),
    # families in dashboard order, a metric from its first month with data (win_rate: February only).
    assert ["metric", "2025-01", "prior", "tgt", "2025-02", "*", "prior", "tgt"] in lines
    shown = ("sales_outcomes", "revenue", "nps", "pipeline", "bookings", "win_rate")
    body = [tokens for tokens in lines if tokens and tokens[0] in shown]
    # revenue 999.50 without cents rounds half to even: 1,000; bookings' January target 800,000: 125%.
    assert body == [
        ["sales_outcomes"],
        ["revenue", "1,000", "n/a"],
        ["nps", "42.0", "n/a"],
        ["pipeline"],
        ["bookings", "1,000,000", "n/a", "125%", "1,234,568", "+23.5%"],
        ["win_rate", "20.0%", "-20.0%"],
    ]
    assert not any(tokens and tokens[0] in ("opportunities_created", "sales_cycle_days") for tokens in lines)
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_kpi_long_listing_starts_at_first_data(runner: CliRunner, published_with_first_periods: Path) -> None:
    result = runner.invoke(app, ["kpi", "--family", "pipeline"])
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == [
        ["metric", "period", "value", "vs prior"],
        ["bookings", "2025-01-01", "1,000,000.00", "n/a"],
        ["bookings", "2025-02-01 *", "1,234,567.89", "+23.5%"],
        ["opportunities_created", "2025-01-01", "40", "n/a"],
        ["opportunities_created", "2025-02-01 *", "52", "+30.0%"],
        ["win_rate", "2025-02-01 *", "20.0%", "-20.0%"],
    ]
    every_month = runner.invoke(app, ["kpi", "--all"])
    assert [row[0] for row in table_rows(every_month.output) if row[0] != "metric"] == [
        "bookings",
        "bookings",
        "opportunities_created",
        "opportunities_created",
        "win_rate",
        "nps",
        "revenue",
    ]


# ---------------------------------------------------------------- run log and status


def test_log_step_line(settings: Settings) -> None:
    record = runlog.log_step(settings, "load", "warn", "run-1", 1.23456, files=3)
    lines = settings.runs_log.read_text().splitlines()
    assert len(lines) == 1
    parsed = json.loads(lines[0])
    assert parsed == record
    assert list(parsed) == ["ts", "run_id", "step", "status", "duration_s", "details"]
    assert (parsed["run_id"], parsed["step"], parsed["status"], parsed["duration_s"]) == (
        "run-1",
        "load",
        "warn",
        1.235,
    )
    assert parsed["details"] == {"files": 3}


def test_log_step_refuses_unknown_status(settings: Settings) -> None:
    with pytest.raises(ValueError, match="status must be one of ok, warn, failed, not 'done'"):
        runlog.log_step(settings, "load", "done")


def test_timed_step_logs_failure_and_reraises(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="disk full"), runlog.timed_step(settings, "publish", "r9") as step:
        step.details["tables"] = 2
        raise RuntimeError("disk full")
    (parsed,) = runlog.read_log(settings.runs_log)
    assert (parsed["step"], parsed["status"]) == ("publish", "failed")
    assert parsed["details"] == {"tables": 2, "error": "disk full"}


def test_summarize_runs() -> None:
    records = [
        {"ts": "2025-03-01T10:00:05+00:00", "run_id": "a", "step": "load", "status": "ok", "duration_s": 5.0},
        {
            "ts": "2025-03-01T10:00:35+00:00",
            "run_id": "a",
            "step": "build",
            "status": "failed",
            "duration_s": 30,
        },
        {
            "ts": "2025-03-02T09:00:02+00:00",
            "run_id": "b",
            "step": "load",
            "status": "warn",
            "duration_s": 2.0,
        },
    ]
    b, a = runlog.summarize_runs(records)
    assert (a.run_id, a.started_at.isoformat(), a.ended_at.isoformat(), a.outcome) == (
        "a",
        "2025-03-01T10:00:00+00:00",
        "2025-03-01T10:00:35+00:00",
        "failed",
    )
    assert a.steps == [("load", "ok"), ("build", "failed")]
    assert (b.run_id, b.outcome) == ("b", "warn")


def test_read_log_skips_torn_line(settings: Settings) -> None:
    settings.runs_log.write_text(
        '{"ts": "2025-01-01T00:00:00+00:00", "run_id": "a", "step": "x", "status": "ok"}\n{"ts": '
    )
    assert [r["run_id"] for r in runlog.read_log(settings.runs_log)] == ["a"]


def make_meta(db_path: Path) -> None:
    """meta tables as the loader writes them: batch b1 (2 files, one rejected), batch b2 (1 skipped)."""
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            """
            create schema meta;
            create table meta.loaded_files (
                file_id bigint, batch_id varchar, system varchar, table_name varchar, source_file varchar,
                file_sha256 varchar, rows_read bigint, rows_loaded bigint, rows_rejected bigint,
                status varchar, error varchar, loaded_at timestamp
            );
            insert into meta.loaded_files values
                (1, 'b1', 'crm', 'users', 'crm/users/a.csv', 'h1', 1500, 1497, 3, 'loaded', null,
                 '2025-03-01 10:00:00'),
                (2, 'b1', 'crm', 'accounts', 'crm/accounts/a.csv', 'h2', 0, 0, 0, 'rejected',
                 'missing required column account_id', '2025-03-01 10:00:01'),
                (3, 'b2', 'crm', 'users', 'crm/users/a2.csv', 'h1', 0, 0, 0, 'skipped', null,
                 '2025-03-02 10:00:00');
            create table meta.rejected_rows (
                file_id bigint, batch_id varchar, source_file varchar, line_number bigint,
                column_name varchar, reason varchar, raw_record varchar
            );
            insert into meta.rejected_rows values
                (1, 'b1', 'crm/users/a.csv', 9, 'role', 'not an accepted value: boss', ''),
                (1, 'b1', 'crm/users/a.csv', 4, 'user_id', 'required value is null', ''),
                (1, 'b1', 'crm/users/a.csv', 12, null, 'unparseable record', '');
            """
        )


def test_status_output(runner: CliRunner, settings: Settings) -> None:
    runlog_lines = [
        {
            "ts": "2025-03-01T10:00:05+00:00",
            "run_id": "r1",
            "step": "load",
            "status": "warn",
            "duration_s": 5.0,
        },
        {
            "ts": "2025-03-01T10:01:05+00:00",
            "run_id": "r1",
            "step": "build",
            "status": "ok",
            "duration_s": 60.0,
        },
    ]
    settings.runs_log.write_text("".join(json.dumps(line) + "\n" for line in runlog_lines))
    make_meta(settings.build_db)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == [
        ["run", "start (UTC)", "end (UTC)", "steps", "outcome"],
        ["r1", "2025-03-01 10:00:00", "2025-03-01 10:01:05", "load:warn build:ok", "warn"],
        ["batch_id", "first_loaded_at", "files_loaded", "files_skipped", "files_rejected", "rows_loaded"]
        + ["rows_rejected"],
        ["b2", "2025-03-02 10:00:00", "0", "1", "0", "0", "0"],
        ["b1", "2025-03-01 10:00:00", "1", "0", "1", "1,497", "3"],
        ["source_file", "batch_id", "error"],
        ["crm/accounts/a.csv", "b1", "missing required column account_id"],
        ["source_file", "rows_rejected", "first_reason"],
        ["crm/users/a.csv", "3", "line 4, user_id: required value is null"],
    ]
    assert f"published: nothing yet ({settings.published_db})" in result.output


def test_status_empty_home(runner: CliRunner, settings: Settings) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"no runs logged yet ({settings.runs_log})",
        f"published: nothing yet ({settings.published_db})",
        f"batches: nothing loaded yet ({settings.build_db})",
    ]


# ---------------------------------------------------------------- output off a terminal


def test_piped_output_keeps_long_paths_and_messages_on_one_line(tmp_path: Path) -> None:
    # A real process whose stdout and stderr are pipes (what a CI log or `| tail` sees), without COLUMNS:
    # rich would lay out at 80 columns and split these lines mid-path.
    deep = tmp_path / ("deeply_nested_" * 4) / ("folder_" * 8)
    home, landing = deep / "home", deep / "landing"
    rel = "crm/opportunities/" + "an_extract_with_a_very_long_file_name_" * 3 + "2026-03-31.csv"
    (landing / rel).parent.mkdir(parents=True)
    (landing / rel).write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") and not k.startswith("SALESMART_")}
    env.update(SALESMART_HOME=str(home), SALESMART_LANDING=str(landing))

    load = subprocess.run([*salesmart_command(), "load"], env=env, capture_output=True, text=True, timeout=300)
    rejected = f"rejected file {rel}: file is empty (0 bytes); expected a CSV header row"
    assert len(rejected) > 200
    assert load.returncode == 0, load.stderr
    assert rejected in [line.strip() for line in load.stdout.splitlines()], load.stdout

    kpi = subprocess.run([*salesmart_command(), "kpi"], env=env, capture_output=True, text=True, timeout=300)
    published = home / "salesmart.duckdb"
    nothing = f"error: nothing published yet: {published} does not exist (run `salesmart run` or `salesmart publish`)"
    assert len(str(home)) > 120
    assert kpi.returncode == 1
    assert kpi.stderr.splitlines() == [nothing]


# ---------------------------------------------------------------- run orchestration (steps stubbed)


@dataclass
class FakeFile:
    system: str
    table: str
    source_file: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    error: str | None
    warnings: tuple[str, ...] = ()


@dataclass
class FakeLoadResult:
    files: list[FakeFile]

    @property
    def has_rejections(self) -> bool:
        return any(f.status == "rejected" or f.rows_rejected for f in self.files)


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> dict:
    """Stub load (interface of load.py) and dbt; `state['marts_value']` is what the fake build writes."""
    state = {"marts_value": 7.0, "build_ok": True}
    files = [
        FakeFile("crm", "users", "crm/users/a.csv", "loaded", 10, 9, 1, None),
        FakeFile("crm", "accounts", "crm/accounts/a.csv", "rejected", 0, 0, 0, "missing column account_id"),
    ]
    import salesmart.load

    state["load_memory_limits"] = []

    def fake_load(db_path: Path, landing: Path, on_file=None, memory_limit: str = "") -> FakeLoadResult:
        state["load_memory_limits"].append(memory_limit)
        return FakeLoadResult(files)

    monkeypatch.setenv("SALESMART_MEMORY_LIMIT", "1GB")
    monkeypatch.setattr(salesmart.load, "load_landing", fake_load)
    monkeypatch.setattr(
        salesmart.load, "ensure_raw_tables", lambda con: con.execute("create schema if not exists raw_crm")
    )

    def fake_build(
        settings_arg: Settings,
        full_refresh: bool = False,
        select: str | None = None,
        extra_vars: dict | None = None,
        daily: bool = False,
        unit_tests: bool = False,
    ):
        if not state["build_ok"]:
            return build.BuildOutcome(ok=False, failed=["test.salesmart.x: Got 2 results"], nodes=3)
        row = [r for r in SAMPLE_KPI_ROWS if r["metric_id"] == "revenue"][0] | {"value": state["marts_value"]}
        write_kpi_table(settings_arg.build_db, [row])
        return build.BuildOutcome(ok=True, nodes=3)

    monkeypatch.setattr(build, "run_dbt_build", fake_build)
    return state


def published_value(path: Path) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select value from marts.kpi_metric_values").fetchone()[0]


def test_run_success_publishes_and_logs(runner: CliRunner, settings: Settings, fake_pipeline: dict) -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    assert published_value(settings.published_db) == 7.0
    text = " ".join(result.output.split())
    assert "load: 2 file(s) (1 loaded, 1 rejected); 9 row(s) loaded, 1 rejected" in text
    assert "rejected file crm/accounts/a.csv: missing column account_id" in text
    assert "validate: no loaded file waits for the gate" in text
    assert "run complete: the published mart is up to date" in text
    assert fake_pipeline["load_memory_limits"] == ["1GB"]  # SALESMART_MEMORY_LIMIT reaches the loader
    records = runlog.read_log(settings.runs_log)
    assert [(r["step"], r["status"]) for r in records] == [
        ("load", "warn"),
        ("validate", "ok"),
        ("build", "ok"),
        ("publish", "ok"),
    ]
    assert len({r["run_id"] for r in records}) == 1
    assert records[0]["details"]["rows_loaded"] == 9
    assert records[0]["details"]["rejected_files"] == ["crm/accounts/a.csv"]
    assert records[3]["details"]["tables"] == 1


def test_run_stops_at_failed_build_and_keeps_published(
    runner: CliRunner, settings: Settings, fake_pipeline: dict
) -> None:
    assert runner.invoke(app, ["run"]).exit_code == 0
    fake_pipeline.update(build_ok=False)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "failed test.salesmart.x: Got 2 results" in text
    assert "run stopped at build: the published mart is unchanged" in text
    assert published_value(settings.published_db) == 7.0
    second_run = [r for r in runlog.read_log(settings.runs_log)][4:]
    assert [(r["step"], r["status"]) for r in second_run] == [
        ("load", "warn"),
        ("validate", "ok"),
        ("build", "failed"),
    ]


def test_second_writer_is_refused(runner: CliRunner, settings: Settings, fake_pipeline: dict) -> None:
    with runlog.run_lock(settings):
        result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    assert f"another salesmart run is using {settings.home}" in " ".join(result.output.split())
    assert not settings.published_db.exists()
    # released: the next run goes through
    assert runner.invoke(app, ["run"]).exit_code == 0


def test_dbt_args(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALESMART_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("SALESMART_AS_OF", "2025-02-14")
    settings = Settings.from_env()
    args = build.dbt_args(
        settings, full_refresh=True, select="kpi_pipeline+ stg_crm__users", variables=build.dbt_vars(settings)
    )
    assert args == [
        "build",
        "--project-dir",
        str(tmp_path),
        "--profiles-dir",
        str(tmp_path / "profiles"),
        "--full-refresh",
        "--select",
        "kpi_pipeline+",
        "stg_crm__users",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        '{"as_of_date": "2025-02-14"}',
    ]


def test_limit_memory_caps_the_instance_and_moves_its_spill_files(tmp_path: Path) -> None:
    with duckdb.connect() as con:
        limit_memory(con, "512MB", temp_directory=tmp_path / "spill")
        limit, spill = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    # DuckDB shows 512 MB (decimal) in binary units
    assert (limit, spill) == ("488.2 MiB", str(tmp_path / "spill"))


def test_dbt_file_log_is_at_info_unless_the_environment_asks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    with build.dbt_environment(settings):
        assert os.environ["DBT_LOG_LEVEL_FILE"] == "info"
    assert "DBT_LOG_LEVEL_FILE" not in os.environ
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    with build.dbt_environment(settings):
        assert os.environ["DBT_LOG_LEVEL_FILE"] == "debug"
    assert os.environ["DBT_LOG_LEVEL_FILE"] == "debug"


def test_dbt_args_run_unit_tests_only_when_asked_and_never_on_spark(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    excluded = ["--exclude-resource-type", "unit_test"]
    assert excluded[0] not in build.dbt_args(Settings.from_env(), unit_tests=True)
    assert build.dbt_args(Settings.from_env())[-2:] == excluded
    monkeypatch.setenv("SALESMART_TARGET", "spark")
    assert build.dbt_args(Settings.from_env(), unit_tests=True)[-2:] == excluded


def test_a_daily_build_selects_what_the_opened_tables_feed() -> None:
    kinds = {"source": "source", "stg": "model", "int": "model", "t": "test"}
    edges = {  # parent -> children
        "source.crm.accounts": ["stg_accounts", "t_source_accounts"],
        "source.crm.activities": ["stg_activities"],
        "stg_accounts": ["int_accounts", "t_unique_accounts", "t_rel_activities_accounts"],
        "stg_activities": ["int_activity_days", "t_rel_activities_accounts"],
        "int_accounts": ["t_not_null_int_accounts"],
        "int_activity_days": [],
    }
    nodes = {child for children in edges.values() for child in children}
    manifest = {
        "sources": {
            "source.crm.accounts": {"source_name": "crm", "name": "accounts"},
            "source.crm.activities": {"source_name": "crm", "name": "activities"},
        },
        "nodes": {name: {"resource_type": kinds[name.split("_")[0]]} for name in nodes},
        "child_map": edges,
    }
    # New activities: their staging model and its child, and the relationship from activities to accounts,
    # are built; the accounts side (2 models, 3 tests) is left out.
    assert build.daily_selection(manifest, {"crm.activities"}) == (["source:crm.activities+"], 2, 3)
    assert build.daily_selection(manifest, set()) == ([], 4, 4)
    # a table the project has no source for: build everything
    assert build.daily_selection(manifest, {"crm.activities", "hr.employees"}) is None


def test_project_fingerprint_changes_with_vars_target_and_salt() -> None:
    duckdb_print = build.project_fingerprint({"stall_days": 30}, "duckdb")
    assert duckdb_print == build.project_fingerprint({"stall_days": 30}, "duckdb")
    assert duckdb_print != build.project_fingerprint({"stall_days": 31}, "duckdb")
    assert duckdb_print != build.project_fingerprint({"stall_days": 30}, "postgres")
    assert duckdb_print != build.project_fingerprint({"stall_days": 30}, "duckdb", "another salt")
