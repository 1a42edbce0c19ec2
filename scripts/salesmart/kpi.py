"""Read KPIs from the published mart (read-only) and format them for people and tools."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

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
    """Total-slice rows of marts.kpi_metric_values; `period` selects the period holding that date."""
    check_filters(family, metric, grain)
    if not db_path.exists():
        raise NotPublishedError(
            f"nothing published yet: {db_path} does not exist (run `salesmart run` or `salesmart publish`)"
        )
    sql = _kpi_sql("${}")
    params = {"grain": grain, "family": family, "metric": metric, "period": period}
    with duckdb.connect(str(db_path), read_only=True) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'kpi_metric_values'"
        ).fetchone()[0]
        if not exists:
            raise NotPublishedError(f"{db_path} has no marts.kpi_metric_values table: publish a complete build")
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _kpi_sql(placeholder: str) -> str:
    """The query with named parameters in the engine's style ('${}' DuckDB, '%({})s' psycopg2)."""
    p = {name: placeholder.format(name) for name in ("grain", "family", "metric", "period")}
    # Filters are bound parameters; the column list is a constant. The casts type a null parameter.
    return f"""
        select {", ".join(COLUMNS)}
        from marts.kpi_metric_values
        where dimension_name = 'total'
            and period_grain = {p["grain"]}
            and (cast({p["family"]} as varchar) is null or family = {p["family"]})
            and (cast({p["metric"]} as varchar) is null or metric_id = {p["metric"]})
            and (cast({p["period"]} as date) is null or cast({p["period"]} as date) between period_start and period_end)
        order by family, metric_id, period_start
    """


def query_kpis_postgres(
    family: str | None = None,
    metric: str | None = None,
    grain: str = "month",
    period: date | None = None,
) -> list[dict[str, Any]]:
    """query_kpis on the PostgreSQL target: schema marts (published by `salesmart publish`)."""
    from salesmart import postgres

    check_filters(family, metric, grain)
    con = postgres.connect()
    try:
        with con, con.cursor() as cur:
            cur.execute("select to_regclass('marts.kpi_metric_values') is not null")
            if not cur.fetchone()[0]:
                raise NotPublishedError("PostgreSQL has no marts.kpi_metric_values yet: run `salesmart run`")
            cur.execute(_kpi_sql("%({})s"), {"grain": grain, "family": family, "metric": metric, "period": period})
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


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
