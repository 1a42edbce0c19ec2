"""The `salesmart` command line: a thin typer layer over one module per step."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from salesmart import kpi as kpi_mod
from salesmart import runlog
from salesmart.config import Settings
from salesmart.console import console, rule

app = typer.Typer(
    name="salesmart",
    help="Sales-KPI warehouse: generate, load, validate, build, publish and query.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class Grain(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


DATE_FORMATS = ["%Y-%m-%d"]
LANDING_HELP = "Landing directory (default SALESMART_LANDING)."


def _out() -> Console:
    return console()


def _err() -> Console:
    return console(stderr=True)


def _usage_error(message: str) -> typer.Exit:
    _err().print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_USAGE)


def _settings(landing: Path | None = None, crm_source: str | None = None) -> Settings:
    """Settings from the environment, flags winning; bad environment values are usage errors."""
    try:
        settings = Settings.from_env(landing=landing, crm_source=crm_source)
    except ValueError as exc:
        raise _usage_error(str(exc)) from None
    if settings.home.exists() and not settings.home.is_dir():
        raise _usage_error(f"SALESMART_HOME {settings.home} is a file, not a directory; point it at a directory")
    if settings.as_of is not None:
        try:
            date.fromisoformat(settings.as_of)
        except ValueError:
            raise _usage_error(f"SALESMART_AS_OF must be a date YYYY-MM-DD, not {settings.as_of!r}") from None
    return settings


def _require_duckdb(settings: Settings, command: str, also: tuple[str, ...] = ()) -> None:
    """Refuse targets the command does not support yet (`also` lists the others it does)."""
    allowed = ("duckdb", *also)
    if settings.target not in allowed:
        raise _usage_error(
            f"`salesmart {command}` works on the {' and '.join(allowed)} target"
            f"{'s' if also else ''} only (SALESMART_TARGET={settings.target})"
        )


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar for long steps: `update(description, done, total)` shows done of total, the elapsed
    time and what is being worked on; it disappears when the step ends (the step prints its summary)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    console = _out()
    # off a terminal (make demo piped, CI logs) nothing: a transient bar would leave a blank line
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=None)

        def update(description: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=description)

        yield update


# ---------------------------------------------------------------- steps
# Each step returns True on success, prints what it did, and logs one line to runs.log.


def _load_step(settings: Settings, run_id: str) -> bool:
    from salesmart.load import load_landing

    if not settings.landing.is_dir():
        raise _usage_error(f"landing directory not found: {settings.landing} (set --landing or SALESMART_LANDING)")
    out = _out()
    with runlog.timed_step(settings, "load", run_id) as step, _progress("load: files") as update:
        result = load_landing(
            settings.build_db, settings.landing, on_file=lambda res, done, total: update(res.source_file, done, total)
        )
        if settings.target == "postgres":
            # The DuckDB ledger checked the files; PostgreSQL gets what it lacks by COPY.
            from salesmart.postgres import sync_raw

            synced = sync_raw(settings.build_db)
            step.details.update(postgres_files_copied=synced.files, postgres_rows_copied=synced.rows)
        elif settings.target == "spark":
            # The DuckDB ledger checked the files; Spark reads them as Parquet tables.
            from salesmart import spark

            spark_synced = spark.sync_raw(settings)
            step.details.update(spark_tables=spark_synced.tables, spark_rows=spark_synced.rows)
        files = list(result.files)
        by_status: dict[str, int] = {}
        for f in files:
            by_status[f.status] = by_status.get(f.status, 0) + 1
        rejected_files = [f for f in files if f.status == "rejected"]
        step.details.update(
            landing=str(settings.landing),
            files=len(files),
            files_by_status=by_status,
            rows_loaded=sum(f.rows_loaded or 0 for f in files),
            rows_rejected=sum(f.rows_rejected or 0 for f in files),
            rejected_files=[f.source_file for f in rejected_files],
        )
        if result.has_rejections:
            step.status = "warn"
    d = step.details
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "no files"
    out.print(
        f"load: {d['files']} file(s) ({status_text}); {d['rows_loaded']:,} row(s) loaded, "
        f"{d['rows_rejected']:,} rejected"
    )
    for f in rejected_files:
        # The loader's reasons begin with the file's path already.
        reason = f.error if (f.error or "").startswith(f.source_file) else f"{f.source_file}: {f.error}"
        out.print(f"  [yellow]rejected file[/yellow] {reason}")
    for warning in (w for f in files for w in f.warnings):
        out.print(f"  [yellow]warning[/yellow] {warning}")
    for line in _rejected_row_lines(settings, getattr(result, "batch_id", None), d["rows_rejected"]):
        out.print(f"  [yellow]rejected row[/yellow] {line}")
    if result.has_rejections:
        out.print("  [yellow]rejections are recorded in meta.loaded_files and meta.rejected_rows[/yellow]")
    return True


MAX_REJECTED_ROW_LINES = 10


def _rejected_row_lines(settings: Settings, batch_id: int | None, rows_rejected: int) -> list[str]:
    """'<file> line <n>, column <c>: <reason>' for the first rejected rows of a batch (so the console names them).

    Best effort: the full record is meta.rejected_rows, so an unreadable database only shortens the console.
    """
    if not rows_rejected or batch_id is None:
        return []
    import duckdb

    try:
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            found = con.execute(
                "select source_file, line_number, column_name, reason from meta.rejected_rows where batch_id = ? "
                "order by file_id, line_number, column_name limit ?",
                [batch_id, MAX_REJECTED_ROW_LINES + 1],
            ).fetchall()
    except duckdb.Error:
        return []
    lines = [f"{src} line {line}, column {col}: {reason}" for src, line, col, reason in found]
    if len(lines) > MAX_REJECTED_ROW_LINES:
        lines[MAX_REJECTED_ROW_LINES:] = ["... more in meta.rejected_rows (`salesmart status`)"]
    return lines


def _validate_step(settings: Settings, run_id: str, data_docs: bool = False, crm_source: str | None = None) -> bool:
    from salesmart.validate import validate

    with runlog.timed_step(settings, "validate", run_id) as step:
        result = validate(settings, data_docs, crm_source)
        step.status = "ok" if result.ok else "failed"
        step.details["messages"] = list(result.messages)
    for message in result.messages:
        _out().print(message)
    if not result.ok:
        _err().print(
            "[red]validate failed:[/red] the files above break the gate's rules and are held back from the models; "
            "correct and land them again, or `salesmart accept FILE`; build not started"
        )
    return result.ok


def ensure_build_db(settings: Settings) -> None:
    """Create the raw tables (empty) so dbt sources resolve even before the first load."""
    import duckdb

    from salesmart.load import ensure_raw_tables

    settings.home.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_db)) as con:
        ensure_raw_tables(con)


def _partial_families_report(settings: Settings, extra_vars: dict, detected: dict) -> dict[str, list[str]]:
    """Print which families lack metrics because a switch is off, and why; returns family -> metric ids."""
    from salesmart.build import dbt_vars
    from salesmart.optional import absent_reason, partial_families, switches_off

    variables = dbt_vars(settings, extra_vars)
    off = switches_off(variables)
    if not off:
        return {}
    reasons = {
        name: absent_reason(name, variables.get("crm_source"))
        if f"salesmart_using_{name}" in detected
        else f"var salesmart_using_{name} is false"
        for name in off
    }
    out = _out()
    out.print("optional inputs off: " + "; ".join(f"{name} ({reason})" for name, reason in reasons.items()))
    partial = partial_families(off)
    for family, metrics in partial.items():
        missing = sorted({name for _, names in metrics for name in names})
        metric_ids = ", ".join(metric_id for metric_id, _ in metrics)
        out.print(f"  [yellow]partial family[/yellow] {family}: no {metric_ids} (needs {', '.join(missing)})")
    return {family: [metric_id for metric_id, _ in metrics] for family, metrics in partial.items()}


# <home>/.build-state: "<running|ok|failed> <run_id>" of the last `salesmart build` step. Publish refuses
# a build that is not ok: a failed or killed build leaves untested marts in build.duckdb.
BUILD_STATE_FILE = ".build-state"


def _write_build_state(settings: Settings, state: str, run_id: str) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / BUILD_STATE_FILE).write_text(f"{state} {run_id}\n", encoding="utf-8")


def _check_build_state(settings: Settings) -> None:
    """Raise PublishError unless the last build step passed (no state file: built outside the CLI, allowed)."""
    from salesmart.publish import PublishError

    path = settings.home / BUILD_STATE_FILE
    if not path.exists():
        return
    state, _, run_id = path.read_text(encoding="utf-8").strip().partition(" ")
    if state == "ok":
        return
    what = {
        "failed": "failed its dbt tests",
        "partial": "built a selection only (--select), so some published tables were not rebuilt and tested",
    }.get(state, "did not finish (the process was killed)")
    raise PublishError(
        f"the last build (run {run_id}) {what}; {settings.build_db} is not published. "
        "Run `salesmart build` (or `salesmart run`) until it passes"
    )


def _build_step(
    settings: Settings,
    run_id: str,
    full_refresh: bool,
    select: str | None,
    extra_vars: dict | None = None,
    detected: dict | None = None,
    daily: bool = False,
) -> bool:
    from salesmart.build import print_failures, run_dbt_build

    with runlog.timed_step(settings, "build", run_id) as step:
        ensure_build_db(settings)
        if settings.target == "postgres":
            from salesmart.postgres import sync_raw

            sync_raw(settings.build_db)  # raw tables exist (empty) before the first load, as on DuckDB
        elif settings.target == "spark":
            from salesmart import spark

            spark.sync_raw(settings)  # the same for Spark's raw tables
        partial = _partial_families_report(settings, extra_vars or {}, detected or {})
        if settings.target == "spark":
            _out().print("build: dbt unit tests skipped on spark (their SQL fixtures are DuckDB/PostgreSQL SQL)")
        _write_build_state(settings, "running", run_id)
        outcome = run_dbt_build(
            settings,
            full_refresh=full_refresh,
            select=select,
            extra_vars=extra_vars,
            daily=daily,
        )
        state = "failed" if not outcome.ok else "ok" if outcome.covers_project else "partial"
        _write_build_state(settings, state, run_id)
        awaiting = rows_awaiting_parent(settings) if outcome.ok else []
        step.details["rows_awaiting_parent"] = len(awaiting)
        step.status = "ok" if outcome.ok else "failed"
        step.details.update(
            full_refresh=full_refresh,
            select=select,
            dbt_vars=extra_vars or {},
            partial_families=partial,
            nodes=outcome.nodes,
            failed=outcome.failed,
            skipped=len(outcome.skipped),
            error=outcome.error,
            unit_tests_skipped=outcome.unit_tests_skipped,
            tests_left_out=outcome.tests_left_out,
        )
    if outcome.unit_tests_skipped:
        _out().print(
            "build: code unchanged since the last passing build: unit tests and "
            f"{outcome.tests_left_out} test(s) of staging views without new files left out"
        )
    if outcome.full_refresh_reason:
        _out().print(f"build: full refresh: {outcome.full_refresh_reason}")
    if awaiting:
        examples = "; ".join(
            f"{child_table} {child_id} ({parent_table} {parent_id}, {source_file})"
            for child_table, child_id, parent_table, parent_id, source_file in awaiting[:MAX_AWAITING_LINES]
        )
        more = f"; ... ({len(awaiting)} in all, `salesmart status`)" if len(awaiting) > MAX_AWAITING_LINES else ""
        _out().print(f"build: {len(awaiting)} row(s) wait for their parent: {examples}{more}")
    if outcome.ok and not outcome.covers_project:
        _out().print(
            f"build: {outcome.nodes} node(s) of the selection built and tested, all passed; not publishable: "
            "the selection leaves out models or tests (run `salesmart build` without --select to publish)"
        )
    elif outcome.ok:
        _out().print(f"build: {outcome.nodes} node(s) built and tested, all passed")
    else:
        print_failures(outcome)
    return outcome.ok


MAX_AWAITING_LINES = 5
AWAITING_SQL = """
    select waiting.child_table, waiting.child_id, waiting.parent_table, waiting.parent_id, files.source_file
    from intermediate.int_rows_awaiting_parent as waiting
    left join meta.loaded_files as files on waiting._file_id = files.file_id
    order by waiting.child_table, waiting.child_id
"""


def rows_awaiting_parent(settings: Settings) -> list[tuple]:
    """Rows the models hold back until their parent is loaded (int_rows_awaiting_parent; DuckDB target)."""
    import duckdb

    from salesmart.load import has_table

    if settings.target != "duckdb" or not settings.build_db.exists():
        return []
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return (
            con.execute(AWAITING_SQL).fetchall() if has_table(con, "intermediate", "int_rows_awaiting_parent") else []
        )


def _publish_step(settings: Settings, run_id: str) -> bool:
    from salesmart.publish import publish, published_tables

    out = _out()
    if settings.target == "postgres":
        from salesmart import postgres

        with runlog.timed_step(settings, "publish", run_id) as step, out.status("publishing ..."):
            tables = postgres.publish()
            step.details.update(schema=postgres.PUBLISHED_SCHEMA, tables=len(tables))
        out.print(f"publish: {len(tables)} table(s) of schema {postgres.BUILD_MARTS_SCHEMA} -> PostgreSQL schema marts")
        return True
    if settings.target == "spark":
        from salesmart import spark

        with runlog.timed_step(settings, "publish", run_id) as step, out.status("publishing ..."):
            _check_build_state(settings)
            spark.publish(settings)
            step.details.update(schema=spark.PUBLISHED_SCHEMA)
        out.print(f"publish: tables of Spark schema {spark.BUILD_MARTS_SCHEMA} -> {spark.PUBLISHED_SCHEMA}")
        return True
    _require_duckdb(settings, "publish")
    with runlog.timed_step(settings, "publish", run_id) as step, out.status("publishing ..."):
        _check_build_state(settings)
        path = publish(settings)
        tables = published_tables(path)
        step.details.update(path=str(path), tables=len(tables))
    out.print(f"publish: {len(tables)} table(s) of schema marts -> {path}")
    return True


def _guarded(name: str, action: Callable[[], bool]) -> bool:
    """Run a step; an error becomes a readable failure (exit 1) instead of a traceback."""
    try:
        return action()
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        _err().print(f"[red]{name} failed:[/red] {exc}")
        return False


def _note_stale_lock(settings: Settings, run_id: str, stale_pid: str | None) -> None:
    """Say so (console and runs.log) when the lock of a killed run was taken over."""
    if stale_pid is None:
        return
    _err().print(
        f"[yellow]note:[/yellow] cleared a stale run lock left by pid {stale_pid} (that run was killed before "
        "it finished; the published mart is the one of the last complete run)"
    )
    runlog.log_step(settings, "lock", "warn", run_id, stale_lock_pid=stale_pid, note="stale run lock cleared")


def _run_single(settings: Settings, name: str, action: Callable[[str], bool]) -> None:
    run_id = runlog.new_run_id()
    try:
        with runlog.run_lock(settings) as stale_pid:
            _note_stale_lock(settings, run_id, stale_pid)
            ok = _guarded(name, lambda: action(run_id))
    except runlog.RunLockedError as exc:
        _err().print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    except runlog.HomeUnusableError as exc:
        raise _usage_error(str(exc)) from None
    if not ok:
        raise typer.Exit(EXIT_FAILURE)


# ---------------------------------------------------------------- commands


@app.command()
def generate(
    scale: Annotated[float, typer.Option(help="Volume factor (1 = about 100,000 opportunities).")] = 0.02,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 42,
    start: Annotated[datetime, typer.Option(formats=DATE_FORMATS, help="First day of data.")] = "2025-01-01",
    months: Annotated[int, typer.Option(min=1, help="Months of data.")] = 12,
    out: Annotated[Path | None, typer.Option(help="Landing directory (default SALESMART_LANDING).")] = None,
    crm_format: Annotated[
        str, typer.Option(help="Shape of the CRM files: salesmart (the contract), salesforce or hubspot (connector).")
    ] = "salesmart",
) -> None:
    """Write a deterministic demo data set as landing files."""
    from salesmart.connectors import CRM_FORMATS

    if crm_format not in CRM_FORMATS:
        choices = ", ".join(CRM_FORMATS)
        raise typer.BadParameter(f"must be one of {choices}, not {crm_format!r}", param_hint="--crm-format")
    if scale <= 0:
        raise typer.BadParameter(f"must be > 0, not {scale}", param_hint="--scale")
    settings = _settings(landing=out)
    run_id = runlog.new_run_id()

    def action(_: str) -> bool:
        from salesmart.generate import generate as generate_files

        with runlog.timed_step(settings, "generate", run_id) as step, _progress("generate: stages") as update:
            counts = generate_files(settings.landing, scale, seed, start.date(), months, on_stage=update)
            if crm_format != "salesmart":
                from salesmart.connectors import convert_landing

                counts = convert_landing(crm_format, settings.landing, counts)
            step.details.update(out=str(settings.landing), scale=scale, seed=seed, rows=sum(counts.values()))
        _out().print(f"generate: {sum(counts.values()):,} rows in {len(counts)} tables -> {settings.landing}")
        return True

    if not _guarded("generate", lambda: action(run_id)):
        raise typer.Exit(EXIT_FAILURE)


@app.command()
def load(
    landing: Annotated[Path | None, typer.Option(help=LANDING_HELP)] = None,
) -> None:
    """Load landing files into raw_<system>.<table> (files already loaded are skipped)."""
    settings = _settings(landing=landing)
    _require_duckdb(settings, "load", also=("postgres", "spark"))
    _run_single(settings, "load", lambda run_id: _load_step(settings, run_id))


CRM_SOURCE_HELP = (
    "Where the CRM data come from: salesmart (the landing contract), salesforce or hubspot (connector tables; "
    "docs/sources.md). Default SALESMART_CRM_SOURCE, else salesmart."
)


@app.command()
def validate(
    data_docs: Annotated[
        bool, typer.Option("--data-docs", help="Also render the gate's rules as GX Data Docs under <home>/gx.")
    ] = False,
    crm_source: Annotated[str | None, typer.Option("--crm-source", help=CRM_SOURCE_HELP)] = None,
) -> None:
    """Check every loaded file that waits for the gate; only files that pass reach the models."""
    settings = _settings(crm_source=crm_source)
    _run_single(settings, "validate", lambda run_id: _validate_step(settings, run_id, data_docs))


@app.command()
def accept(
    files: Annotated[list[str], typer.Argument(help="Landing paths as `salesmart status` lists them.")],
) -> None:
    """Let files the gate holds back into the models anyway (the next build is a full refresh)."""
    from salesmart.validate import accept as accept_files

    settings = _settings()

    def action(run_id: str) -> bool:
        with runlog.timed_step(settings, "accept", run_id) as step:
            accepted = accept_files(settings, files)
            step.details.update(files=accepted)
        _out().print(f"accept: {len(accepted)} file(s) open the gate: {', '.join(accepted)}")
        return True

    _run_single(settings, "accept", action)


VARS_HELP = (
    "dbt vars as YAML/JSON, e.g. '{salesmart_using_hr: false}'; merged over env SALESMART_DBT_VARS (same format)."
)


def _parse_vars(text: str | None) -> dict:
    from salesmart.build import DBT_VARS_ENV, parse_dbt_vars

    try:
        parse_dbt_vars(os.environ.get(DBT_VARS_ENV), DBT_VARS_ENV)
        return parse_dbt_vars(text, "--vars")
    except ValueError as exc:
        raise _usage_error(str(exc)) from None


@app.command()
def build(
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models.")] = False,
    select: Annotated[str | None, typer.Option(help="dbt node selection, e.g. 'marts.kpi+'.")] = None,
    dbt_vars: Annotated[str | None, typer.Option("--vars", help=VARS_HELP)] = None,
    crm_source: Annotated[str | None, typer.Option("--crm-source", help=CRM_SOURCE_HELP)] = None,
) -> None:
    """dbt build: seeds, models and their tests, into build.duckdb."""
    settings = _settings(crm_source=crm_source)
    extra_vars = _parse_vars(dbt_vars)
    _run_single(settings, "build", lambda run_id: _build_step(settings, run_id, full_refresh, select, extra_vars))


@app.command()
def publish() -> None:
    """Atomically replace the published file with the marts of the last build."""
    settings = _settings()
    _require_duckdb(settings, "publish", also=("postgres", "spark"))
    _run_single(settings, "publish", lambda run_id: _publish_step(settings, run_id))


@app.command()
def run(
    landing: Annotated[Path | None, typer.Option(help=LANDING_HELP)] = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models.")] = False,
    dbt_vars: Annotated[str | None, typer.Option("--vars", help=VARS_HELP)] = None,
    crm_source: Annotated[str | None, typer.Option("--crm-source", help=CRM_SOURCE_HELP)] = None,
) -> None:
    """load -> validate -> build -> publish; stops at the first failure (exit 1, published mart untouched).

    An optional system (hr, marketing, email) or CRM table (subscriptions, nps_responses, support_tickets,
    user_events, targets) whose landing folder is absent is switched off for the build.
    """
    from salesmart.build import dbt_vars as build_vars
    from salesmart.optional import switch_vars

    settings = _settings(landing=landing, crm_source=crm_source)
    _require_duckdb(settings, "run", also=("postgres", "spark"))
    # absent folders switch their input off, whatever --vars says (there is nothing to report on)
    user_vars = _parse_vars(dbt_vars)
    crm_source = build_vars(settings, user_vars).get("crm_source")
    detected = switch_vars(settings.landing, crm_source) if settings.landing.is_dir() else {}
    extra_vars = {**user_vars, **detected}
    run_id = runlog.new_run_id()
    steps: list[tuple[str, Callable[[], bool]]] = [
        ("load", lambda: _load_step(settings, run_id)),
        ("validate", lambda: _validate_step(settings, run_id, crm_source=crm_source)),
        # A daily run leaves out the tests a new batch cannot change (salesmart.build.LAST_PASSING_BUILD_FILE).
        ("build", lambda: _build_step(settings, run_id, full_refresh, None, extra_vars, detected, True)),
        ("publish", lambda: _publish_step(settings, run_id)),
    ]
    results: list[tuple[str, str, float]] = []
    try:
        with runlog.run_lock(settings) as stale_pid:
            _note_stale_lock(settings, run_id, stale_pid)
            for index, (name, action) in enumerate(steps, start=1):
                rule(_out(), f"[{index}/{len(steps)}] {name}")
                started = time.monotonic()
                ok = _guarded(name, action)
                results.append((name, "ok" if ok else "failed", time.monotonic() - started))
                if not ok:
                    break
    except runlog.RunLockedError as exc:
        _err().print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    except runlog.HomeUnusableError as exc:
        raise _usage_error(str(exc)) from None
    _print_run_summary(run_id, results, len(steps))
    if results[-1][1] != "ok":
        raise typer.Exit(EXIT_FAILURE)


def _print_run_summary(run_id: str, results: list[tuple[str, str, float]], total: int) -> None:
    table = Table(title=f"run {run_id}", title_justify="left")
    table.add_column("step")
    table.add_column("outcome")
    table.add_column("seconds", justify="right")
    for name, status, seconds in results:
        table.add_row(name, status, f"{seconds:.1f}")
    out = _out()
    out.print(table)
    if results[-1][1] == "ok" and len(results) == total:
        out.print("[green]run complete:[/green] the published mart is up to date")
    else:
        out.print(f"[red]run stopped at {results[-1][0]}:[/red] the published mart is unchanged")


@app.command()
def kpi(
    family: Annotated[str | None, typer.Option(help="Metric family, e.g. pipeline.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric id, e.g. win_rate.")] = None,
    grain: Annotated[Grain | None, typer.Option(help="Period grain (fiscal); lists every period.")] = None,
    period: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Only the period holding this date.")
    ] = None,
    list_all: Annotated[
        bool, typer.Option("--all", help="Every metric and month (the long listing), not the summary.")
    ] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (OutputFormat.table),
) -> None:
    """Company-level KPIs from the published mart (read-only).

    Without options: a one-screen summary of the headline metrics for the latest complete month and the
    month in progress. Any filter, --grain, --all or --format csv|json gives the long listing.
    """
    grain_value = (grain or Grain.month).value
    try:
        kpi_mod.check_filters(family, metric, grain_value)
    except kpi_mod.FilterError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.option) from None
    settings = _settings()
    _require_duckdb(settings, "kpi", also=("postgres",))
    summary = output_format is OutputFormat.table and not (family or metric or grain or period or list_all)
    try:
        if summary:
            if settings.target == "postgres":
                rows = kpi_mod.query_summary_postgres()
            else:
                rows = kpi_mod.query_summary(settings.published_db)
        else:
            when = period.date() if period else None
            if settings.target == "postgres":
                rows = kpi_mod.query_kpis_postgres(family, metric, grain_value, when)
            else:
                rows = kpi_mod.query_kpis(settings.published_db, family, metric, grain_value, when)
    except kpi_mod.NotPublishedError as exc:
        _err().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    if output_format is OutputFormat.csv:
        typer.echo(kpi_mod.to_csv(rows), nl=False)
    elif output_format is OutputFormat.json:
        typer.echo(kpi_mod.to_json(rows))
    elif not rows:
        _out().print("no KPI rows match these filters")
    elif summary:
        _out().print(kpi_mod.to_summary_table(rows))
    else:
        out = _out()
        for table in kpi_mod.to_rich_tables(rows):
            out.print(table)


@app.command()
def scorecard(
    config: Annotated[
        Path | None, typer.Option(help="Scorecard config (default SALESMART_SCORECARD, else scorecard.yml).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only the reps of this team.")] = None,
    reps: Annotated[int, typer.Option(min=0, help="Show the first N reps by attainment (0: all).")] = 0,
) -> None:
    """The main objective and its indicators, then each rep's objective, for the latest complete period
    and the one in progress (published mart, read-only)."""
    from salesmart import scorecard as scorecard_mod

    settings = _settings()
    _require_duckdb(settings, "scorecard")
    try:
        card_config = scorecard_mod.load_config(config or scorecard_mod.default_config_path())
    except scorecard_mod.ScorecardError as exc:
        raise _usage_error(str(exc)) from None
    names = scorecard_mod.rep_display_names(settings.build_db) if settings.show_rep_names else {}
    try:
        card = scorecard_mod.build_scorecard(settings.published_db, card_config, team, names)
    except kpi_mod.NotPublishedError as exc:
        _err().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    out = _out()
    if not card.periods:
        out.print("scorecard: the published mart has no period at this grain yet")
    for renderable in scorecard_mod.to_rich(card, reps or None):
        out.print(renderable)


@app.command()
def report(
    out: Annotated[Path | None, typer.Option(help="Directory for index.html (default <home>/report).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Scorecard config (default SALESMART_SCORECARD, else scorecard.yml).")
    ] = None,
) -> None:
    """Static HTML dashboard of the published mart: the scorecard, then one section per family, charts by
    month, with a rep/team selector."""
    from salesmart import scorecard as scorecard_mod
    from salesmart.report import build_report

    settings = _settings()
    _require_duckdb(settings, "report")
    if not settings.published_db.exists():
        _err().print(f"[red]error:[/red] nothing published yet at {settings.published_db}; run `salesmart run` first")
        raise typer.Exit(EXIT_FAILURE)
    path = config or scorecard_mod.default_config_path()
    card_config = None
    if config is not None or path.exists():  # without any config the page opens on the families
        try:
            card_config = scorecard_mod.load_config(path)
        except scorecard_mod.ScorecardError as exc:
            raise _usage_error(str(exc)) from None
    names = scorecard_mod.rep_display_names(settings.build_db) if settings.show_rep_names else {}
    try:
        page = build_report(settings.published_db, out or settings.home / "report", card_config, names)
    except kpi_mod.NotPublishedError as exc:
        _err().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    _out().print(f"report: {page}")


@app.command()
def status() -> None:
    """Last runs, loaded batches, rejected files and rows."""
    settings = _settings()
    out = _out()
    out.print(_runs_table(settings))
    out.print(_published_line(settings))
    for renderable in _build_tables(settings):
        out.print(renderable)


def _runs_table(settings: Settings, limit: int = 10) -> Table | str:
    runs = runlog.summarize_runs(runlog.read_log(settings.runs_log), limit)
    if not runs:
        return f"no runs logged yet ({settings.runs_log})"
    table = Table(title=f"last runs ({settings.runs_log})", title_justify="left")
    for column in ("run", "start (UTC)", "end (UTC)", "steps", "outcome"):
        table.add_column(column)
    for run_summary in runs:
        table.add_row(
            run_summary.run_id,
            run_summary.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            run_summary.ended_at.strftime("%Y-%m-%d %H:%M:%S"),
            " ".join(f"{step}:{outcome}" for step, outcome in run_summary.steps),
            run_summary.outcome,
        )
    return table


def _published_line(settings: Settings) -> str:
    path = settings.published_db
    if not path.exists():
        return f"published: nothing yet ({path})"
    stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"published: {path} (at {stamp})"


def _query(con: Any, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


BATCHES_SQL = """
    select
        batch_id,
        min(loaded_at) as first_loaded_at,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'skipped') as files_skipped,
        count(*) filter (where status = 'rejected') as files_rejected,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_rejected), 0) as rows_rejected,
    from meta.loaded_files
    group by batch_id
    order by first_loaded_at desc, batch_id desc
    limit 10
"""

REJECTED_FILES_SQL = """
    select source_file, batch_id, error
    from meta.loaded_files
    where status = 'rejected'
    order by loaded_at desc, source_file
    limit 20
"""

AWAITING_STATUS_SQL = f"""
    select
        child_table,
        parent_table,
        count(*) as rows_waiting,
        string_agg(child_id || ' → ' || parent_id || ' (' || coalesce(source_file, '?') || ')', '; '
            order by child_id) filter (where rank <= 3) as first_rows,
    from (select *, row_number() over (partition by child_table order by child_id) as rank from ({AWAITING_SQL}))
    group by child_table, parent_table
    order by child_table
"""

GATE_SQL = """
    select source_file, batch_id, gate, split_part(coalesce(gate_note, ''), chr(10), 1) as first_failure
    from meta.loaded_files
    where gate in ('pending', 'failed')
    order by file_id
    limit 20
"""

REJECTED_ROWS_SQL = """
    select
        source_file,
        count(distinct line_number) as rows_rejected,
        arg_min('line ' || line_number || ', ' || coalesce(column_name, '-') || ': ' || reason, line_number)
            as first_reason,
    from meta.rejected_rows
    group by source_file
    order by source_file
    limit 20
"""


def _rich_table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column.startswith(("rows_", "files_")) else "left")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    return table


def _build_tables(settings: Settings) -> list[Table | str]:
    import duckdb

    from salesmart.load import has_column, has_table

    if not settings.build_db.exists():
        return [f"batches: nothing loaded yet ({settings.build_db})"]
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.Error as exc:
        return [f"batches: cannot read {settings.build_db} now ({exc}); a run may be writing it"]
    with con:
        if not has_table(con, "meta", "loaded_files"):
            return ["batches: nothing loaded yet (no meta.loaded_files)"]
        out: list[Table | str] = [_rich_table("batches", *_query(con, BATCHES_SQL))]
        columns, rows = _query(con, REJECTED_FILES_SQL)
        out.append(_rich_table("rejected files", columns, rows) if rows else "rejected files: none")
        if has_column(con, "meta", "loaded_files", "gate"):
            columns, rows = _query(con, GATE_SQL)
            out.append(
                _rich_table("held by the gate (not in the models)", columns, rows) if rows else "held by the gate: none"
            )
        if has_table(con, "intermediate", "int_rows_awaiting_parent"):
            columns, rows = _query(con, AWAITING_STATUS_SQL)
            out.append(
                _rich_table("rows awaiting their parent", columns, rows) if rows else "rows awaiting their parent: none"
            )
        columns, rows = _query(con, REJECTED_ROWS_SQL)
        out.append(_rich_table("rejected rows", columns, rows) if rows else "rejected rows: none")
    return out


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
