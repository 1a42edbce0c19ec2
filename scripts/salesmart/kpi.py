"""Read KPIs from the published mart (read-only) and format them for people and tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from salesmart.catalog import headlines
from salesmart.contract import load_project_metric_catalog

GRAINS = ("month", "quarter", "year")
FORMATS = ("table", "csv", "json")

# Columns `salesmart kpi` returns, in order (a subset of the output contract).
COLUMNS = (
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
)


class FilterError(ValueError):
    """A filter value the catalog does not know; `option` names the command-line flag."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


class NotPublishedError(RuntimeError):
    """There is no published mart to read yet."""


def families() -> list[str]:
    return list(load_project_metric_catalog()["families"])


def metric_family(metric_id: str) -> str | None:
    entry = load_project_metric_catalog()["metrics"].get(metric_id)
    return entry["family"] if entry else None


def check_filters(family: str | None, metric: str | None, grain: str) -> None:
    """Raise FilterError with a readable message for a name the catalog does not know."""
    if grain not in GRAINS:
        raise FilterError("--grain", f"unknown grain {grain!r}; choose one of {', '.join(GRAINS)}")
    if family is not None and family not in families():
        raise FilterError("--family", f"unknown family {family!r}; choose one of {', '.join(families())}")
    if metric is not None:
        owner = metric_family(metric)
        if owner is None:
            raise FilterError("--metric", f"unknown metric {metric!r} (ids: keys of spec/metrics.yml)")
        if family is not None and owner != family:
            raise FilterError("--metric", f"metric {metric!r} belongs to family {owner!r}, not {family!r}")


def query_kpis(
    db_path: Path,
    family: str | None = None,
    metric: str | None = None,
    grain: str = "month",
    period: date | None = None,
) -> list[dict[str, Any]]:
    """Total-slice rows of marts.kpi_metric_values from each metric's first period with data;
    `period` selects the period holding that date."""
    check_filters(family, metric, grain)
    params = {"grain": grain, "family": family, "metric": metric, "period": period}
    with connect_published(db_path) as con:
        return _fetch(con, _kpi_sql("${}", _has_first_periods(con)), params)


def connect_published(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published file; NotPublishedError when it holds no KPI table."""
    if not db_path.exists():
        raise NotPublishedError(
            f"nothing published yet: {db_path} does not exist (run `salesmart run` or `salesmart publish`)"
        )
    con = duckdb.connect(str(db_path), read_only=True)
    if not has_table(con, "kpi_metric_values"):
        con.close()
        raise NotPublishedError(f"{db_path} has no marts.kpi_metric_values table: publish a complete build")
    return con


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [name]
    ).fetchone()
    return bool(found[0])


def _has_first_periods(con: duckdb.DuckDBPyConnection) -> bool:
    # A file published before kpi_metric_first_periods existed lists every period.
    return has_table(con, FIRST_PERIODS_TABLE)


def _fetch(con: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows as dicts from a DuckDB connection or a psycopg2 cursor (whose execute returns None)."""
    result = con.execute(sql, params)
    cursor = con if result is None else result
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


FIRST_PERIODS_TABLE = "kpi_metric_first_periods"


def since_first_data(alias: str, enabled: bool = True) -> str:
    """Join clause keeping the rows of kpi_metric_values `alias` from the metric's first period with data
    (marts.kpi_metric_first_periods, the one definition of "first data"); empty when `enabled` is false."""
    if not enabled:
        return ""
    return f"""
        inner join marts.{FIRST_PERIODS_TABLE} as first_periods
            on first_periods.metric_id = {alias}.metric_id
            and first_periods.period_grain = {alias}.period_grain
            and {alias}.period_start >= first_periods.first_period_start"""


def _kpi_sql(placeholder: str, has_first_periods: bool) -> str:
    """The query with named parameters in the engine's style ('${}' DuckDB, '%({})s' psycopg2)."""
    p = {name: placeholder.format(name) for name in ("grain", "family", "metric", "period")}
    # Filters are bound parameters; the column list is a constant. The casts type a null parameter.
    return f"""
        select {", ".join(f"kpi.{column}" for column in COLUMNS)}
        from marts.kpi_metric_values as kpi {since_first_data("kpi", has_first_periods)}
        where kpi.dimension_name = 'total'
            and kpi.period_grain = {p["grain"]}
            and (cast({p["family"]} as varchar) is null or kpi.family = {p["family"]})
            and (cast({p["metric"]} as varchar) is null or kpi.metric_id = {p["metric"]})
            and (cast({p["period"]} as date) is null
                or cast({p["period"]} as date) between kpi.period_start and kpi.period_end)
        order by kpi.family, kpi.metric_id, kpi.period_start
    """


def query_kpis_postgres(
    family: str | None = None,
    metric: str | None = None,
    grain: str = "month",
    period: date | None = None,
) -> list[dict[str, Any]]:
    """query_kpis on the PostgreSQL target: schema marts (published by `salesmart publish`)."""
    check_filters(family, metric, grain)
    params = {"grain": grain, "family": family, "metric": metric, "period": period}
    return _query_postgres(lambda has_first_periods: _kpi_sql("%({})s", has_first_periods), params)


def _query_postgres(build_sql: Callable[[bool], str], params: dict[str, Any]) -> list[dict[str, Any]]:
    from salesmart import postgres

    con = postgres.connect()
    try:
        with con, con.cursor() as cur:
            cur.execute("select to_regclass('marts.kpi_metric_values') is not null")
            if not cur.fetchone()[0]:
                raise NotPublishedError("PostgreSQL has no marts.kpi_metric_values yet: run `salesmart run`")
            cur.execute(f"select to_regclass('marts.{FIRST_PERIODS_TABLE}') is not null")
            return _fetch(cur, build_sql(bool(cur.fetchone()[0])), params)
    finally:
        con.close()


# The KPIs a sales leader looks at first, per family, by rank (registry field `headline` in
# spec/metrics_extra.yml): the compact `salesmart kpi` and the dashboard's tiles and charts.
HEADLINES: dict[str, list[str]] = headlines()

SUMMARY_COLUMNS = ("metric_id", "family", "unit", "period_start", "is_complete_period", "value")
SUMMARY_COLUMNS += ("change_vs_prior_period", "attainment")


def _summary_sql(placeholder: str, has_first_periods: bool) -> str:
    """Headline metrics' month rows for the latest complete month and the month in progress."""
    metrics = placeholder.format("metrics")
    return f"""
        with months as (
            select period_start, is_complete_period
            from marts.kpi_metric_values
            where period_grain = 'month' and dimension_name = 'total'
            group by period_start, is_complete_period
        ),

        shown as (
            select max(period_start) as period_start from months where is_complete_period
            union all
            select max(period_start) as period_start from months where not is_complete_period
        )

        select {", ".join(f"kpi.{column}" for column in SUMMARY_COLUMNS)}
        from marts.kpi_metric_values as kpi {since_first_data("kpi", has_first_periods)}
        inner join shown on shown.period_start = kpi.period_start
        where kpi.dimension_name = 'total'
            and kpi.period_grain = 'month'
            and kpi.metric_id in (select unnest({metrics}))
        order by kpi.metric_id, kpi.period_start
    """


def _headline_ids() -> list[str]:
    return [metric_id for ids in HEADLINES.values() for metric_id in ids]


def query_summary(db_path: Path) -> list[dict[str, Any]]:
    """The headline metrics' company totals for the latest complete month and the month in progress."""
    with connect_published(db_path) as con:
        return _fetch(con, _summary_sql("${}", _has_first_periods(con)), {"metrics": _headline_ids()})


def query_summary_postgres() -> list[dict[str, Any]]:
    return _query_postgres(
        lambda has_first_periods: _summary_sql("%({})s", has_first_periods), {"metrics": _headline_ids()}
    )


UNIT_SUFFIX = {"days": " days", "hours": " h", "years": " years", "currency_per_day": "/day"}


def format_value(value: float | Decimal | None, unit: str) -> str:
    """A value as a person reads it: currency with separators, ratios as %, counts as integers."""
    if value is None:
        return "n/a"
    v = float(value)
    if unit == "ratio":
        return f"{v:.1%}"
    if unit == "count":
        return f"{v:,.0f}"
    if unit in ("currency", "currency_per_day"):
        return f"{v:,.2f}" + UNIT_SUFFIX.get(unit, "")
    return f"{v:,.1f}" + UNIT_SUFFIX.get(unit, "")


def format_change(change: float | Decimal | None) -> str:
    if change is None:
        return "n/a"
    return f"{float(change):+.1%}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _plain(v) for k, v in row.items()})
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{k: _plain(v) for k, v in row.items()} for row in rows], indent=2)


def to_rich_tables(rows: list[dict[str, Any]]) -> list[Any]:
    """One rich table per family: metric, period, value, change vs prior period."""
    from rich.table import Table

    tables: list[Table] = []
    current: Table | None = None
    for row in rows:
        if current is None or current.title != row["family"]:
            current = Table(title=row["family"], title_justify="left", caption_justify="left")
            current.add_column("metric")
            current.add_column("period")
            current.add_column("value", justify="right")
            current.add_column("vs prior", justify="right")
            tables.append(current)
        period = row["period_start"].isoformat()
        if not row["is_complete_period"]:
            period += " *"
            current.caption = "* period in progress (holds the as-of date)"
        current.add_row(
            row["metric_id"],
            period,
            format_value(row["value"], row["unit"]),
            format_change(row["change_vs_prior_period"]),
        )
    return tables


def format_attainment(attainment: float | Decimal | None) -> str:
    return "" if attainment is None else f"{float(attainment):.0%}"


SHORT_SUFFIX = {"currency": "", "days": " d", "years": " y"}


def format_short(value: float | Decimal | None, unit: str) -> str:
    """format_value without cents: the compact summary fits 80 columns."""
    if value is not None and unit in SHORT_SUFFIX:
        return f"{float(value):,.0f}" if unit == "currency" else f"{float(value):,.1f}{SHORT_SUFFIX[unit]}"
    return format_value(value, unit)


def compact_table(title: str | None = None) -> Any:
    """A rich table without borders and with one space between columns, so a summary fits 80 columns."""
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        caption_justify="left",
        pad_edge=False,
        padding=(0, 0, 0, 1),
        show_edge=False,
    )


def to_summary_table(rows: list[dict[str, Any]]) -> Any:
    """One compact table: per family, one line per headline metric with the latest complete month and the
    month in progress (value, change vs prior month, attainment of the target); fits 80 columns."""
    months = sorted({(row["period_start"], row["is_complete_period"]) for row in rows})
    by_metric = {(row["metric_id"], row["period_start"]): row for row in rows}
    present = {row["metric_id"] for row in rows}
    table = compact_table("KPIs, company total (salesmart kpi --all: every month; --grain quarter)")
    table.add_column("metric", no_wrap=True)
    for month, complete in months:
        table.add_column(month.strftime("%Y-%m") + ("" if complete else " *"), justify="right", no_wrap=True)
        table.add_column("vs\nprior", justify="right", no_wrap=True)
        table.add_column("vs\ntgt", justify="right", no_wrap=True)
    if any(not complete for _, complete in months):
        table.caption = "* month in progress (holds the as-of date); vs tgt: value / target"
    for family, metric_ids in HEADLINES.items():
        shown = [metric_id for metric_id in metric_ids if metric_id in present]
        if not shown:
            continue
        table.add_row(f"[bold underline]{family}[/bold underline]")
        for metric_id in shown:
            cells = [metric_id]
            for month, _ in months:
                row = by_metric.get((metric_id, month))
                if row is None:  # before the metric's first data
                    cells += ["", "", ""]
                    continue
                cells += [
                    format_short(row["value"], row["unit"]),
                    format_change(row["change_vs_prior_period"]),
                    format_attainment(row["attainment"]),
                ]
            table.add_row(*cells)
    return table
