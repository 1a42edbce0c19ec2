"""The `salesmart` command line: options and wiring only. The steps and their orchestration are in
salesmart.pipeline, the status queries in salesmart.status, everything else in one module per step."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salesmart import kpi as kpi_mod
from salesmart import pipeline, runlog
from salesmart.config import Settings
from salesmart.console import console

app = typer.Typer(
    name="salesmart",
    help="Sales-KPI warehouse: generate, load, validate, build, publish and query.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_FAILURE, EXIT_USAGE = 1, 2


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
    with _user_errors():
        pipeline.require_target(settings, command, also)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Print what the caller can correct, without a traceback: a usage error (exit 2) or a run that
    holds the lock (exit 1)."""
    try:
        yield
    except (pipeline.UsageError, runlog.HomeUnusableError) as exc:
        raise _usage_error(str(exc)) from None
    except runlog.RunLockedError as exc:
        _err().print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def _run_single(settings: Settings, name: str, action: Callable[[str], bool]) -> None:
    with _user_errors():
        ok = pipeline.run_single(settings, name, action)
    if not ok:
        raise typer.Exit(EXIT_FAILURE)


# ---------------------------------------------------------------- commands


@app.command()
def generate(
    scale: Annotated[float, typer.Option(help="Volume factor (1 = about 100,000 opportunities).")] = 0.02,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 42,
    start: Annotated[datetime, typer.Option(formats=DATE_FORMATS, help="First day of data.")] = "2025-01-01",
    months: Annotated[int, typer.Option(min=1, help="Months of data.")] = 12,
    out: Annotated[Path | None, typer.Option(help=LANDING_HELP)] = None,
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
    run_id = runlog.new_run_id()  # not under the run lock: generating touches no warehouse file

    def step() -> bool:
        return pipeline.generate_step(settings, run_id, scale, seed, start.date(), months, crm_format)

    if not pipeline.guarded("generate", step):
        raise typer.Exit(EXIT_FAILURE)


@app.command()
def load(
    landing: Annotated[Path | None, typer.Option(help=LANDING_HELP)] = None,
) -> None:
    """Load landing files into raw_<system>.<table> (files already loaded are skipped)."""
    settings = _settings(landing=landing)
    _require_duckdb(settings, "load", also=("postgres", "spark"))
    _run_single(settings, "load", lambda run_id: pipeline.load_step(settings, run_id))


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
    _run_single(settings, "validate", lambda run_id: pipeline.validate_step(settings, run_id, data_docs))


@app.command()
def accept(
    files: Annotated[list[str], typer.Argument(help="Landing paths as `salesmart status` lists them.")],
) -> None:
    """Let files the gate holds back into the models anyway (the next build is a full refresh)."""
    settings = _settings()
    _run_single(settings, "accept", lambda run_id: pipeline.accept_step(settings, run_id, files))


UNIT_TESTS_HELP = (
    "Also run the dbt unit tests (SQL checked on fixed rows; for development and CI, as dbt recommends). Not on spark."
)

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
    unit_tests: Annotated[bool, typer.Option("--unit-tests", help=UNIT_TESTS_HELP)] = False,
) -> None:
    """dbt build: seeds, models and their data tests, into build.duckdb."""
    settings = _settings(crm_source=crm_source)
    extra_vars = _parse_vars(dbt_vars)

    def step(run_id: str) -> bool:
        return pipeline.build_step(settings, run_id, full_refresh, select, extra_vars, unit_tests=unit_tests)

    _run_single(settings, "build", step)


@app.command()
def publish() -> None:
    """Atomically replace the published file with the marts of the last build."""
    settings = _settings()
    _require_duckdb(settings, "publish", also=("postgres", "spark"))
    _run_single(settings, "publish", lambda run_id: pipeline.publish_step(settings, run_id))


@app.command()
def run(
    landing: Annotated[Path | None, typer.Option(help=LANDING_HELP)] = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models.")] = False,
    dbt_vars: Annotated[str | None, typer.Option("--vars", help=VARS_HELP)] = None,
    crm_source: Annotated[str | None, typer.Option("--crm-source", help=CRM_SOURCE_HELP)] = None,
    unit_tests: Annotated[bool, typer.Option("--unit-tests", help=UNIT_TESTS_HELP)] = False,
) -> None:
    """load -> validate -> build -> publish; stops at the first failure (exit 1, published mart untouched).

    An optional system (hr, marketing, email) or CRM table (subscriptions, nps_responses, support_tickets,
    user_events, targets) whose landing folder is absent is switched off for the build.
    """
    settings = _settings(landing=landing, crm_source=crm_source)
    _require_duckdb(settings, "run", also=("postgres", "spark"))
    user_vars = _parse_vars(dbt_vars)
    with _user_errors():
        ok = pipeline.run(settings, user_vars, full_refresh, unit_tests)
    if not ok:
        raise typer.Exit(EXIT_FAILURE)


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
    from salesmart.status import renderables

    out = _out()
    for renderable in renderables(_settings()):
        out.print(renderable)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
