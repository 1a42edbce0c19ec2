"""`salesmart report`: one static HTML page over the published mart, one section per family.

Plotly's JavaScript is inlined once, so the page needs no network when it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from salesmart.contract import load_metric_catalog
from salesmart.kpi import FIRST_PERIODS_TABLE, HEADLINES, since_first_data

# Months of history in the trend charts: enough for a year-on-year view without years of empty lead-in.
TREND_MONTHS = 24
ACRONYMS = {"nps": "NPS", "mqls": "MQLs", "sqls": "SQLs", "crm": "CRM", "roi": "ROI"}


def metric_label(metric_id: str) -> str:
    words = [ACRONYMS.get(word, word) for word in metric_id.split("_")]
    return " ".join(words)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "currency":
        return f"${value:,.0f}"
    if unit == "currency_per_day":
        return f"${value:,.0f}/day"
    if unit == "count":
        return f"{value:,.0f}"
    suffix = {"days": " d", "hours": " h", "years": " y"}.get(unit, "")
    return f"{value:,.1f}{suffix}"


def format_change(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.1%}"


@dataclass
class Tile:
    metric_id: str
    label: str
    unit: str
    value: str
    change: str
    change_class: str
    target: str
    attainment: str


def _change_class(change: float | None, direction: str) -> str:
    if change is None or change == 0:
        return "flat"
    good = (change > 0) == (direction == "higher")
    return "good" if good else "bad"


def _trend_figure(rows: list[tuple], label: str, unit: str) -> str:
    periods = [r[0] for r in rows]
    values = [r[1] for r in rows]
    figure = go.Figure(go.Scatter(x=periods, y=values, mode="lines+markers", name=label))
    figure.update_layout(
        title={"text": label, "font": {"size": 13}},
        height=220,
        margin={"l": 40, "r": 10, "t": 35, "b": 30},
        yaxis={"tickformat": ".0%" if unit == "ratio" else ",.4~s"},
        template="plotly_white",
    )
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False})


def build_report(db_path: Path, out_dir: Path) -> Path:
    """Write <out_dir>/index.html from the published mart and return its path."""
    catalog = load_metric_catalog()
    metrics = catalog["metrics"]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        has_first_periods = bool(
            con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?",
                [FIRST_PERIODS_TABLE],
            ).fetchone()[0]
        )
        latest = con.execute(
            "select max(period_start) from marts.kpi_metric_values where period_grain = 'month' and is_complete_period"
        ).fetchone()[0]
        as_of = con.execute("select max(period_end) from marts.kpi_metric_values where period_grain = 'month'")
        as_of_period_end = as_of.fetchone()[0]
        sections = []
        for family in catalog["families"]:
            tiles, charts = [], []
            for metric_id in HEADLINES.get(family, []):
                spec = metrics[metric_id]
                label = metric_label(metric_id)
                row = con.execute(
                    "select value, change_vs_prior_period, target_value, attainment from marts.kpi_metric_values "
                    "where metric_id = ? and period_grain = 'month' and period_start = ? "
                    "and dimension_name = 'total'",
                    [metric_id, latest],
                ).fetchone()
                value, change, target, attainment = row if row else (None, None, None, None)
                tiles.append(
                    Tile(
                        metric_id=metric_id,
                        label=label,
                        unit=spec["unit"],
                        value=format_value(value, spec["unit"]),
                        change=format_change(change),
                        change_class=_change_class(change, spec["direction"]),
                        target=format_value(target, spec["unit"]) if target is not None else "",
                        attainment=f"{attainment:.0%}" if attainment is not None else "",
                    )
                )
                trend = con.execute(
                    "select kpi.period_start, kpi.value from marts.kpi_metric_values as kpi "
                    f"{since_first_data('kpi', has_first_periods)} where kpi.metric_id = ? "
                    "and kpi.period_grain = 'month' and kpi.dimension_name = 'total' "
                    "order by kpi.period_start desc limit ?",
                    [metric_id, TREND_MONTHS],
                ).fetchall()[::-1]
                charts.append(_trend_figure(trend, label, spec["unit"]))
            family_metrics = [m for m, s in metrics.items() if s["family"] == family]
            split = {
                kind: [metric_label(m) for m in family_metrics if metrics[m]["indicator"] == kind]
                for kind in ("leading", "lagging")
            }
            sections.append(
                {"family": family, "title": family.replace("_", " "), "tiles": tiles, "charts": charts, "split": split}
            )
        rep_rows = con.execute(
            "select dimension_value as rep, metric_id, period_grain, period_start, value, target_value, attainment "
            "from marts.kpi_metric_values where dimension_name = 'rep' and target_value is not null "
            "order by period_start desc, metric_id, rep limit 200"
        ).fetchall()
    finally:
        con.close()
    reps = [
        {
            "rep": r[0],
            "metric": metric_label(r[1]),
            "period": f"{r[2]} {r[3]}",
            "actual": format_value(r[4], metrics[r[1]]["unit"]),
            "target": format_value(r[5], metrics[r[1]]["unit"]),
            "attainment": "n/a" if r[6] is None else f"{r[6]:.0%}",
        }
        for r in rep_rows
    ]
    environment = Environment(loader=PackageLoader("salesmart", "templates"), autoescape=select_autoescape())
    html = environment.get_template("report.html.j2").render(
        sections=sections,
        reps=reps,
        latest_month=latest,
        as_of_period_end=as_of_period_end,
        published_at=datetime.fromtimestamp(db_path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=get_plotlyjs(),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
