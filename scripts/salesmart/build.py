"""dbt build (seeds, models, snapshots, tests) through dbt's Python API."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from salesmart.config import Settings, project_root

# dbt node statuses that fail a build (models: error; tests: fail/error; skipped: an upstream failed).
FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass
class BuildOutcome:
    ok: bool
    failed: list[str] = field(default_factory=list)  # "<unique_id>: <message>"
    skipped: list[str] = field(default_factory=list)
    nodes: int = 0
    error: str | None = None
    unit_tests_run: bool = False  # only when asked for (run_dbt_build: UNIT_TESTS_NOTE)
    # a same-code daily run: the models and data tests that read no file opened since the last passing build
    models_left_out: int = 0
    tests_left_out: int = 0
    # Every model, seed and data test of the project was built and tested (a --select may leave some out).
    covers_project: bool = True
    full_refresh_reason: str | None = None  # why a build was made a full refresh (meta.full_refresh_requests)


def _set_environ(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


# A daily run's tests of incremental models read only the rows from files loaded after this _file_id
# (macros/incremental/get_where_subquery.sql); unset, every row is tested.
TEST_ROWS_AFTER_FILE_ID_ENV = "SALESMART_TEST_ROWS_AFTER_FILE_ID"


# dbt's file log (logs/dbt.log) at info: every node's start, result and failure, without the text of each SQL
# statement, whose writing took about a tenth of a tiny build (dbt's default file level is debug).
# DBT_LOG_LEVEL_FILE=debug in the environment brings the statements back.
DBT_LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"
DBT_LOG_LEVEL_FILE_DEFAULT = "info"


@contextmanager
def dbt_environment(settings: Settings, test_rows_after_file_id: int | None = None) -> Iterator[None]:
    """The environment of an in-process dbt call, restored after it.

    On DuckDB the call runs in the home directory and profiles.yml reads SALESMART_HOME as ".": the profile
    is then the same text for every home, and dbt keeps parsing partially (a changed profile makes it parse
    the whole project again, about 14 s) when one project builds several homes in turn, as the tests do.
    """
    in_home = settings.target == "duckdb"
    # profiles.yml and the macros read these; set them for the call only and restore, so nothing leaks.
    wanted: dict[str, str | None] = {
        "SALESMART_HOME": "." if in_home else str(settings.home),
        "SALESMART_TARGET": settings.target,
        TEST_ROWS_AFTER_FILE_ID_ENV: None if test_rows_after_file_id is None else str(test_rows_after_file_id),
        DBT_LOG_LEVEL_FILE_ENV: os.environ.get(DBT_LOG_LEVEL_FILE_ENV) or DBT_LOG_LEVEL_FILE_DEFAULT,
    }
    if settings.pii_salt:
        wanted["SALESMART_PII_SALT"] = settings.pii_salt
    saved = {key: os.environ.get(key) for key in wanted}
    cwd = Path.cwd()
    _set_environ(wanted)
    try:
        if in_home:
            os.chdir(settings.home)
        yield
    finally:
        os.chdir(cwd)
        _set_environ(saved)


def _release_duckdb() -> None:
    """Close dbt-duckdb's database instance so this process can open build.duckdb again.

    dbt-duckdb keeps one instance per process (class attribute) and only closes it when every handle
    was returned; after a failed test it can stay open, and a later read-only connection (publish,
    status) then fails with "different configuration than existing connections".
    """
    import gc

    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()  # cursors still referenced by dbt's result objects keep the instance alive


DBT_VARS_ENV = "SALESMART_DBT_VARS"


def parse_dbt_vars(text: str | None, origin: str) -> dict:
    """A YAML/JSON mapping of dbt vars (e.g. '{"salesmart_using_hr": false}'); empty text gives {}."""
    import yaml

    if not text or not text.strip():
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{origin}: not valid YAML/JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{origin}: expected a mapping of dbt vars, got {type(value).__name__}")
    if origin == DBT_VARS_ENV:
        # dbt renders var values as Jinja: a template from the environment would run code at build time.
        for name, text_value in _strings_in(value):
            if any(marker in text_value for marker in ("{{", "{%", "{#")):
                raise ValueError(
                    f"{origin}: the value of {name!r} holds Jinja ({text_value[:40]!r}); dbt would run it. Values from "
                    "the environment may not be templates; pass a template deliberately with --vars"
                )
    return value


def _strings_in(value: object, path: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string inside nested mappings and lists."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _strings_in(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _strings_in(item, f"{path}[{i}]")]
    return []


SOURCE_RELATION_DIMENSION_VAR = "salesmart_kpi_source_relation_dimension"


def crm_connections(build_db: Path) -> list[str]:
    """The CRM connections (crm/ or a connector CRM's folder) with loaded files in the ledger
    (meta.loaded_files); [] before the first load."""
    if not build_db.is_file():
        return []
    import duckdb

    from salesmart.contract import multi_connection_systems
    from salesmart.load import has_column

    con = duckdb.connect(str(build_db), read_only=True)
    try:
        if not has_column(con, "meta", "loaded_files", "source_relation"):
            return []
        return [
            name
            for (name,) in con.execute(
                "select distinct source_relation from meta.loaded_files "
                "where status = 'loaded' and system in (select unnest(?::varchar[])) order by 1",
                [sorted(multi_connection_systems())],
            ).fetchall()
        ]
    finally:
        con.close()


def dbt_vars(settings: Settings, extra: dict | None = None) -> dict:
    """Vars for dbt: env SALESMART_DBT_VARS, then `extra` (flags, detected switches), then the as-of date and
    the CRM source.

    The KPI dimension source_relation is switched on when the ledger holds more than one CRM connection,
    unless the var is given.
    """
    merged = parse_dbt_vars(os.environ.get(DBT_VARS_ENV), DBT_VARS_ENV)
    merged.update(extra or {})
    if SOURCE_RELATION_DIMENSION_VAR not in merged and len(crm_connections(settings.build_db)) > 1:
        merged[SOURCE_RELATION_DIMENSION_VAR] = True
    if settings.as_of:
        merged["as_of_date"] = settings.as_of
    if settings.crm_source:
        merged["crm_source"] = settings.crm_source
    return merged


# A daily run (`salesmart run` without --full-refresh: a new batch, usually no code change) builds and tests
# only what the new batch can change, as long as the code, the vars and the dbt/DuckDB versions are those of
# the last passing build and no other dbt invocation ran since: the sources with files the gate opened since
# that build and everything downstream of them (`--select source:<system>.<table>+`). Every other model and
# data test reads the same rows with the same code as then. This file in <home> records that build:
# {"code", "file_id" (the newest file open then), "invocation_id"}; a build deletes it before it starts and
# writes it only once it passed whole, so a killed, failed or partial build leaves no record behind.
LAST_PASSING_BUILD_FILE = ".last-passing-build.json"
PROJECT_CODE_PATHS = ("dbt_project.yml", "models", "macros", "tests", "seeds", "profiles")
PROJECT_CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv"}  # what dbt reads (tests/python is pytest's)


ADAPTER_DISTRIBUTIONS = {"duckdb": "dbt-duckdb", "postgres": "dbt-postgres", "spark": "dbt-spark"}


def project_fingerprint(variables: dict, target: str, pii_salt: str | None = None) -> str:
    """sha256 of the dbt project's code files, the dbt vars, the target, the dbt, adapter and DuckDB versions and
    the PII salt (the staging views' SQL holds it: a new salt must rebuild them)."""
    import importlib.metadata as md

    root = project_root()
    digest = hashlib.sha256()
    for rel in PROJECT_CODE_PATHS:
        path = root / rel
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and file.suffix in PROJECT_CODE_SUFFIXES:
                digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    # DuckDB holds the load ledger on every target.
    versions = {dist: md.version(dist) for dist in ("dbt-core", ADAPTER_DISTRIBUTIONS[target], "duckdb")}
    digest.update(json.dumps([variables, target, versions, pii_salt or ""], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _opened_tables_since(settings: Settings, file_id: int | None) -> tuple[int | None, set[str]]:
    """(newest file the gate has opened, '<system>.<table>' of the files it opened above file_id).

    A file that opens below the newest open one asks for a full refresh (salesmart.validate), so the newest
    open file id is a watermark: the models have seen every open file up to it.
    """
    import duckdb

    from salesmart.gate import GATE_OPEN
    from salesmart.load import has_table

    if not settings.build_db.exists():
        return None, set()
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        if not has_table(con, "meta", "loaded_files"):
            return None, set()
        rows = con.execute(
            "select file_id, system || '.' || table_name from meta.loaded_files "
            "where gate in (select unnest(?::varchar[])) and file_id > ?",
            [list(GATE_OPEN), file_id if file_id is not None else -1],
        ).fetchall()
    latest = max((fid for fid, _ in rows), default=file_id)
    return latest, {table for _, table in rows}


def _last_passing_build(settings: Settings) -> dict:
    path = settings.home / LAST_PASSING_BUILD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _last_artifact(name: str) -> dict:
    """target/<name> (manifest.json, run_results.json) of the last dbt invocation ({} when there is none)."""
    # dbt reads a relative target path from the project directory
    target = project_root() / (os.environ.get("DBT_TARGET_PATH") or "target")
    try:
        return json.loads((target / name).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _last_manifest() -> dict:
    return _last_artifact("manifest.json")


def _last_invocation_id() -> str | None:
    return _last_artifact("run_results.json").get("metadata", {}).get("invocation_id")


class DailySelection(NamedTuple):
    select: list[str]  # dbt --select criteria; empty: nothing to build
    models_left_out: int
    tests_left_out: int


def daily_selection(manifest: dict, opened_tables: set[str]) -> DailySelection | None:
    """What a same-code daily build runs: (dbt --select criteria, models left out, data tests left out).

    The sources of opened_tables and their descendants (`source:<system>.<table>+`): dbt then also runs a
    test with any parent among them (a relationship from new activities to unchanged accounts), and leaves
    out the models and tests that read none of them. None when an opened table is no source of the project
    (the whole project is built then).
    """
    sources, nodes = manifest.get("sources", {}), manifest.get("nodes", {})
    by_table = {f"{source['source_name']}.{source['name']}": uid for uid, source in sources.items()}
    if not nodes or not opened_tables <= set(by_table):
        return None
    child_map = manifest.get("child_map", {})
    downstream: set[str] = set()
    stack = [by_table[table] for table in opened_tables]
    while stack:
        for child in child_map.get(stack.pop(), []):
            if child not in downstream:
                downstream.add(child)
                stack.append(child)
    left_out = [node["resource_type"] for uid, node in nodes.items() if uid not in downstream]
    return DailySelection(
        [f"source:{table}+" for table in sorted(opened_tables)], left_out.count("model"), left_out.count("test")
    )


def runs_unit_tests(settings: Settings, asked: bool) -> bool:
    """Whether a build runs the dbt unit tests: only when asked for (UNIT_TESTS_NOTE), and never on Spark: the
    fixtures are DuckDB/PostgreSQL SQL (generate_series, varchar, double precision)."""
    return asked and settings.target != "spark"


def dbt_args(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    variables: dict | None = None,
    unit_tests: bool = False,
) -> list[str]:
    """The argument list for dbtRunner().invoke (testable without running dbt); variables from dbt_vars()."""
    root = project_root()
    args = ["build", "--project-dir", str(root), "--profiles-dir", str(root / "profiles")]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        # One --select with several space-separated methods, as on the dbt command line.
        args += ["--select", *select.split()]
    # Spark runs the models and every data test (docs/spark.md).
    if not runs_unit_tests(settings, unit_tests):
        args += ["--exclude-resource-type", "unit_test"]
    if variables:
        args += ["--vars", json.dumps(variables, default=str)]
    return args


@contextmanager
def _node_progress() -> Iterator[Callable[[Any], None]]:
    """A rich progress line: nodes done of the total, models and tests done, elapsed time, the last node.

    dbt itself runs --quiet (failures are printed after); its events still reach this callback: each
    node's start line carries the number of selected nodes, each finished node its resource type.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from salesmart.console import console as salesmart_console

    counts = {"models": 0, "tests": 0}
    columns = (
        SpinnerColumn(),
        TextColumn("dbt build: {task.completed}/{task.fields[of]} nodes ({task.fields[done]})"),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    # transient: the line goes once the build ends (the step then prints its own summary); off a terminal
    # nothing (a transient line would leave a blank one)
    console = salesmart_console()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=None, of="?", done="starting")

        def on_event(event: Any) -> None:
            name = event.info.name
            if name == "LogStartLine" and getattr(event.data, "total", 0):
                progress.update(task, total=event.data.total, of=event.data.total)
            elif name == "NodeFinished":
                node = event.data.node_info
                if node.resource_type in ("test", "unit_test"):
                    counts["tests"] += 1
                elif node.resource_type in ("model", "seed", "snapshot"):
                    counts["models"] += 1
                done = f"{counts['models']} models, {counts['tests']} tests"
                progress.update(task, advance=1, done=done, description=f"last: {node.node_name}, {node.node_status}")

        yield on_event


# dbt unit tests check the SQL on fixed rows, not the warehouse's data: a production build leaves them out,
# as dbt recommends (run them in development and CI). `make test` runs every one of them once per session;
# `salesmart build --unit-tests`, `salesmart run --unit-tests` and a plain `dbt build` run them too.
UNIT_TESTS_NOTE = "a production build; `--unit-tests` or `make test` runs them"


def run_dbt_build(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    extra_vars: dict | None = None,
    daily: bool = False,
    unit_tests: bool = False,
) -> BuildOutcome:
    """Run dbt build and collect which nodes failed or were skipped.

    daily (the incremental `salesmart run`): when the project fingerprint matches the last passing build and
    no dbt ran since, build only what the files opened since then feed (LAST_PASSING_BUILD_FILE). unit_tests:
    run the dbt unit tests too, over the whole project (UNIT_TESTS_NOTE; never on Spark).
    """
    from dbt.cli.main import dbtRunner

    settings.home.mkdir(parents=True, exist_ok=True)
    requests = full_refresh_requests(settings)
    forced_reason = "; ".join(requests) if requests and not full_refresh and not select else None
    full_refresh = full_refresh or forced_reason is not None
    variables = dbt_vars(settings, extra_vars)
    fingerprint = project_fingerprint(variables, settings.target, settings.pii_salt)
    last = _last_passing_build(settings)
    latest_file_id, opened = _opened_tables_since(settings, last.get("file_id"))
    same_code_daily = (
        daily
        and not (full_refresh or select or unit_tests)
        and last.get("code") == fingerprint
        and last.get("invocation_id") is not None
        and last["invocation_id"] == _last_invocation_id()
    )
    # Same fingerprint, same graph: the last build's manifest gives the selection. (A dbt parse in this
    # process first made the build ignore --quiet and return no node results.)
    selection = daily_selection(_last_manifest(), opened) if same_code_daily else None
    record = {"code": fingerprint, "file_id": latest_file_id}
    if selection is not None and not selection.select:
        # no file opened since the last passing build: the warehouse is that build's
        return BuildOutcome(ok=True, models_left_out=selection.models_left_out, tests_left_out=selection.tests_left_out)
    (settings.home / LAST_PASSING_BUILD_FILE).unlink(missing_ok=True)
    rows_after = last.get("file_id") if selection is not None else None
    with dbt_environment(settings, rows_after), _node_progress() as on_event:
        try:
            res = dbtRunner(callbacks=[on_event]).invoke(
                [
                    "--quiet",
                    *dbt_args(
                        settings,
                        full_refresh,
                        " ".join(selection.select) if selection else select,
                        variables,
                        unit_tests,
                    ),
                ]
            )
        finally:
            _release_duckdb()
    if res.exception is not None:
        return BuildOutcome(ok=False, error=f"{type(res.exception).__name__}: {res.exception}")
    results = getattr(res.result, "results", None) or []
    outcome = BuildOutcome(
        ok=bool(res.success),
        nodes=len(results),
        unit_tests_run=runs_unit_tests(settings, unit_tests),
        models_left_out=selection.models_left_out if selection else 0,
        tests_left_out=selection.tests_left_out if selection else 0,
        # a daily selection leaves out only what the last passing build built from the same rows
        covers_project=selection is not None
        or not select
        or _covers_project(_last_manifest(), {r.node.unique_id for r in results}),
        full_refresh_reason=forced_reason,
    )
    if outcome.ok and outcome.covers_project:
        record["invocation_id"] = _last_invocation_id()
        (settings.home / LAST_PASSING_BUILD_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")
        if full_refresh and requests:
            clear_full_refresh_requests(settings)
    for node_result in results:
        status = str(getattr(node_result.status, "value", node_result.status)).lower()
        unique_id = node_result.node.unique_id
        if status in FAILED_STATUSES:
            message = (node_result.message or "").strip().splitlines()
            outcome.failed.append(f"{unique_id}: {message[0] if message else status}")
        elif status == "skipped":
            outcome.skipped.append(unique_id)
    if not outcome.ok and not outcome.failed and outcome.error is None:
        outcome.error = "dbt build did not succeed (see the dbt log above)"
    return outcome


def _covers_project(manifest: dict, built: set[str]) -> bool:
    """Whether a selected build ran every model, seed and data test of the project (unit tests test SQL on
    fixed rows, not the warehouse, and may be left out)."""
    wanted = {
        uid for uid, node in manifest.get("nodes", {}).items() if node["resource_type"] in ("model", "seed", "test")
    }
    return bool(wanted) and wanted <= built


def full_refresh_requests(settings: Settings) -> list[str]:
    """Why the next build must be a full refresh (meta.full_refresh_requests, written by validate and accept)."""
    import duckdb

    if not settings.build_db.exists():
        return []
    from salesmart.load import has_table

    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        if not has_table(con, "meta", "full_refresh_requests"):
            return []
        return [r for (r,) in con.execute("select reason from meta.full_refresh_requests order by 1").fetchall()]


def clear_full_refresh_requests(settings: Settings) -> None:
    import duckdb

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("delete from meta.full_refresh_requests")


def dbt_build(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    extra_vars: dict | None = None,
) -> bool:
    """True when every selected model and test passed; prints the failed nodes otherwise."""
    outcome = run_dbt_build(settings, full_refresh, select, extra_vars)
    if not outcome.ok:
        print_failures(outcome)
    return outcome.ok


def print_failures(outcome: BuildOutcome) -> None:
    from salesmart.console import console

    err = console(stderr=True)
    if outcome.error:
        err.print(f"[red]build failed:[/red] {outcome.error}")
    for line in outcome.failed:
        err.print(f"[red]failed[/red] {line}")
    if outcome.skipped:
        skipped = len(outcome.skipped)
        err.print(f"{skipped} node(s) skipped because an upstream node failed")
