"""Run orchestration: the steps of `salesmart run` (load -> validate -> build -> publish), each also a command
of its own, and the build-state protocol that keeps publish from shipping marts whose tests did not pass.

Each step prints what it did, logs one line to runs.log and returns True on success. A mistake of the
caller raises UsageError; the command line prints it without a traceback and exits 2. Step modules are
imported inside the steps: `salesmart --help` stays fast and tests can replace a module before a step.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from rich.table import Table

from salesmart import runlog
from salesmart.config import Settings
from salesmart.console import console, progress, rule
from salesmart.status import rows_awaiting_parent

MAX_REJECTED_ROW_LINES = 10
MAX_AWAITING_LINES = 5

# <home>/.build-state: "<running|ok|failed|partial> <run_id>" of the last `salesmart build` step. Publish
# refuses a build that is not ok: a failed or killed build leaves untested marts in build.duckdb.
BUILD_STATE_FILE = ".build-state"


class UsageError(Exception):
    """A mistake in the command's input or environment (not a failed step): printed plainly, exit 2."""


def require_target(settings: Settings, command: str, also: tuple[str, ...] = ()) -> None:
    """Refuse targets the command does not support yet (duckdb always is; `also` lists the others)."""
    allowed = ("duckdb", *also)
    if settings.target not in allowed:
        raise UsageError(
            f"`salesmart {command}` works on the {' and '.join(allowed)} target"
            f"{'s' if also else ''} only (SALESMART_TARGET={settings.target})"
        )


# ---------------------------------------------------------------- steps


def generate_step(
    settings: Settings, run_id: str, scale: float, seed: int, start: dt.date, months: int, crm_format: str
) -> bool:
    from salesmart.generate import generate

    with runlog.timed_step(settings, "generate", run_id) as step, progress("generate: stages") as update:
        counts = generate(settings.landing, scale, seed, start, months, on_stage=update)
        if crm_format != "salesmart":
            from salesmart.connectors import convert_landing

            counts = convert_landing(crm_format, settings.landing, counts)
        step.details.update(out=str(settings.landing), scale=scale, seed=seed, rows=sum(counts.values()))
    console().print(f"generate: {sum(counts.values()):,} rows in {len(counts)} tables -> {settings.landing}")
    return True


def load_step(settings: Settings, run_id: str) -> bool:
    from salesmart.load import load_landing

    if not settings.landing.is_dir():
        raise UsageError(f"landing directory not found: {settings.landing} (set --landing or SALESMART_LANDING)")
    out = console()
    with runlog.timed_step(settings, "load", run_id) as step, progress("load: files") as update:
        result = load_landing(
            settings.build_db,
            settings.landing,
            on_file=lambda res, done, total: update(res.source_file, done, total),
            memory_limit=settings.memory_limit,
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


def validate_step(settings: Settings, run_id: str, data_docs: bool = False, crm_source: str | None = None) -> bool:
    """The gate; `crm_source` (default: the settings') picks the fx rates the money checks convert with."""
    from salesmart.validate import validate

    with runlog.timed_step(settings, "validate", run_id) as step:
        result = validate(settings, data_docs, crm_source)
        step.status = "ok" if result.ok else "failed"
        step.details["messages"] = list(result.messages)
    for message in result.messages:
        console().print(message)
    if not result.ok:
        console(stderr=True).print(
            "[red]validate failed:[/red] the files above break the gate's rules and are held back from the models; "
            "correct and land them again, or `salesmart accept FILE`; build not started"
        )
    return result.ok


def accept_step(settings: Settings, run_id: str, files: list[str]) -> bool:
    from salesmart.validate import accept

    with runlog.timed_step(settings, "accept", run_id) as step:
        accepted = accept(settings, files)
        step.details.update(files=accepted)
    console().print(f"accept: {len(accepted)} file(s) open the gate: {', '.join(accepted)}")
    return True


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
    out = console()
    out.print("optional inputs off: " + "; ".join(f"{name} ({reason})" for name, reason in reasons.items()))
    partial = partial_families(off)
    for family, metrics in partial.items():
        missing = sorted({name for _, names in metrics for name in names})
        metric_ids = ", ".join(metric_id for metric_id, _ in metrics)
        out.print(f"  [yellow]partial family[/yellow] {family}: no {metric_ids} (needs {', '.join(missing)})")
    return {family: [metric_id for metric_id, _ in metrics] for family, metrics in partial.items()}


def _write_build_state(settings: Settings, state: str, run_id: str) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / BUILD_STATE_FILE).write_text(f"{state} {run_id}\n", encoding="utf-8")


def check_build_state(settings: Settings) -> None:
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


def build_step(
    settings: Settings,
    run_id: str,
    full_refresh: bool,
    select: str | None,
    extra_vars: dict | None = None,
    detected: dict | None = None,
    daily: bool = False,
    unit_tests: bool = False,
) -> bool:
    from salesmart.build import UNIT_TESTS_NOTE, print_failures, run_dbt_build

    out = console()
    with runlog.timed_step(settings, "build", run_id) as step:
        ensure_build_db(settings)
        if settings.target == "postgres":
            from salesmart.postgres import sync_raw

            sync_raw(settings.build_db)  # raw tables exist (empty) before the first load, as on DuckDB
        elif settings.target == "spark":
            from salesmart import spark

            spark.sync_raw(settings)  # the same for Spark's raw tables
        partial = _partial_families_report(settings, extra_vars or {}, detected or {})
        if unit_tests and settings.target == "spark":
            out.print("build: dbt unit tests skipped on spark (their SQL fixtures are DuckDB/PostgreSQL SQL)")
        _write_build_state(settings, "running", run_id)
        outcome = run_dbt_build(
            settings,
            full_refresh=full_refresh,
            select=select,
            extra_vars=extra_vars,
            daily=daily,
            unit_tests=unit_tests,
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
            unit_tests_run=outcome.unit_tests_run,
            models_left_out=outcome.models_left_out,
            tests_left_out=outcome.tests_left_out,
        )
    if not outcome.unit_tests_run and settings.target != "spark":
        out.print(f"build: dbt unit tests left out ({UNIT_TESTS_NOTE})")
    if outcome.models_left_out or outcome.tests_left_out:
        built = "nothing to build" if outcome.nodes == 0 else "built and tested only what the new files feed"
        out.print(
            f"build: code unchanged and no dbt run since the last passing build: {built}; "
            f"{outcome.models_left_out} model(s) and {outcome.tests_left_out} test(s) that read none of them left out"
        )
    if outcome.full_refresh_reason:
        out.print(f"build: full refresh: {outcome.full_refresh_reason}")
    if awaiting:
        examples = "; ".join(
            f"{child_table} {child_id} ({parent_table} {parent_id}, {source_file})"
            for child_table, child_id, parent_table, parent_id, source_file in awaiting[:MAX_AWAITING_LINES]
        )
        more = f"; ... ({len(awaiting)} in all, `salesmart status`)" if len(awaiting) > MAX_AWAITING_LINES else ""
        out.print(f"build: {len(awaiting)} row(s) wait for their parent: {examples}{more}")
    if outcome.ok and not outcome.covers_project:
        out.print(
            f"build: {outcome.nodes} node(s) of the selection built and tested, all passed; not publishable: "
            "the selection leaves out models or tests (run `salesmart build` without --select to publish)"
        )
    elif outcome.ok:
        out.print(f"build: {outcome.nodes} node(s) built and tested, all passed")
    else:
        print_failures(outcome)
    return outcome.ok


def publish_step(settings: Settings, run_id: str) -> bool:
    from salesmart.publish import publish_marts, published_tables

    out = console()
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
            check_build_state(settings)
            spark.publish(settings)
            step.details.update(schema=spark.PUBLISHED_SCHEMA)
        out.print(f"publish: tables of Spark schema {spark.BUILD_MARTS_SCHEMA} -> {spark.PUBLISHED_SCHEMA}")
        return True
    require_target(settings, "publish")
    with runlog.timed_step(settings, "publish", run_id) as step, out.status("publishing ..."):
        check_build_state(settings)
        result = publish_marts(settings)
        tables = published_tables(result.path)
        step.details.update(
            path=str(result.path),
            tables=len(tables),
            mode=result.mode,
            copied=result.copied,
            updated=result.updated,
            unchanged=len(result.unchanged),
            reason=result.reason,
        )
    if result.mode == "update":
        how = (
            f"updated in place of a copy: {len(result.copied)} copied, {len(result.updated)} with replaced keys, "
            f"{len(result.unchanged)} unchanged"
        )
    else:
        how = f"written whole: {result.reason}" if result.reason else "written whole"
    out.print(f"publish: {len(tables)} table(s) of schema marts -> {result.path} ({how})")
    return True


# ---------------------------------------------------------------- running steps


def guarded(name: str, action: Callable[[], bool]) -> bool:
    """Run a step; an error becomes a readable failure (exit 1) instead of a traceback."""
    try:
        return action()
    except (UsageError, KeyboardInterrupt):
        raise
    except Exception as exc:
        console(stderr=True).print(f"[red]{name} failed:[/red] {exc}")
        return False


def _note_stale_lock(settings: Settings, run_id: str, stale_pid: str | None) -> None:
    """Say so (console and runs.log) when the lock of a killed run was taken over."""
    if stale_pid is None:
        return
    console(stderr=True).print(
        f"[yellow]note:[/yellow] cleared a stale run lock left by pid {stale_pid} (that run was killed before "
        "it finished; the published mart is the one of the last complete run)"
    )
    runlog.log_step(settings, "lock", "warn", run_id, stale_lock_pid=stale_pid, note="stale run lock cleared")


def run_single(settings: Settings, name: str, action: Callable[[str], bool]) -> bool:
    """One step under the run lock (raises runlog.RunLockedError if another run holds it)."""
    run_id = runlog.new_run_id()
    with runlog.run_lock(settings) as stale_pid:
        _note_stale_lock(settings, run_id, stale_pid)
        return guarded(name, lambda: action(run_id))


def run(settings: Settings, user_vars: dict, full_refresh: bool, unit_tests: bool = False) -> bool:
    """load -> validate -> build -> publish under the run lock, stopping at the first failure; prints a
    summary table. Raises runlog.RunLockedError if another run holds the lock."""
    from salesmart.build import dbt_vars
    from salesmart.optional import switch_vars

    # absent folders switch their input off, whatever --vars says (there is nothing to report on)
    crm_source = dbt_vars(settings, user_vars).get("crm_source")
    detected = switch_vars(settings.landing, crm_source) if settings.landing.is_dir() else {}
    extra_vars = {**user_vars, **detected}
    run_id = runlog.new_run_id()
    steps: list[tuple[str, Callable[[], bool]]] = [
        ("load", lambda: load_step(settings, run_id)),
        ("validate", lambda: validate_step(settings, run_id, crm_source=crm_source)),
        # A daily run builds only what a new batch can change (salesmart.build.LAST_PASSING_BUILD_FILE).
        ("build", lambda: build_step(settings, run_id, full_refresh, None, extra_vars, detected, True, unit_tests)),
        ("publish", lambda: publish_step(settings, run_id)),
    ]
    results: list[tuple[str, str, float]] = []
    with runlog.run_lock(settings) as stale_pid:
        _note_stale_lock(settings, run_id, stale_pid)
        for index, (name, action) in enumerate(steps, start=1):
            rule(console(), f"[{index}/{len(steps)}] {name}")
            started = time.monotonic()
            ok = guarded(name, action)
            results.append((name, "ok" if ok else "failed", time.monotonic() - started))
            if not ok:
                break
    _print_run_summary(run_id, results, len(steps))
    return results[-1][1] == "ok"


def _print_run_summary(run_id: str, results: list[tuple[str, str, float]], total: int) -> None:
    table = Table(title=f"run {run_id}", title_justify="left")
    table.add_column("step")
    table.add_column("outcome")
    table.add_column("seconds", justify="right")
    for name, status, seconds in results:
        table.add_row(name, status, f"{seconds:.1f}")
    out = console()
    out.print(table)
    if results[-1][1] == "ok" and len(results) == total:
        out.print("[green]run complete:[/green] the published mart is up to date")
    else:
        out.print(f"[red]run stopped at {results[-1][0]}:[/red] the published mart is unchanged")
