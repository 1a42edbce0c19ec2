"""`salesmart report`: one static HTML page over the published mart, one section per family.

Plotly's JavaScript is inlined once, so the page needs no network when it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from salesmart.contract import load_metric_catalog
from salesmart.kpi import FIRST_PERIODS_TABLE, HEADLINES, has_table, since_first_data
from salesmart.scorecard import Scorecard, ScorecardConfig, build_scorecard, natural_key, period_label

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


def _tick_format(unit: str) -> str:
    # "~" trims trailing zeros, so small ratios keep distinct ticks (0.35% 0.4% 0.45%, not 0% 0% 0%)
    return ".3~%" if unit == "ratio" else ",.4~s"


def _trend_series(con: duckdb.DuckDBPyConnection, has_first_periods: bool) -> dict[str, dict[str, list]]:
    """metric_id -> slice ('total', 'team:<team>', 'rep:<id>') -> [[period_start, value], ...] by month,
    the last TREND_MONTHS months, from the metric's first period with data."""
    rows = con.execute(
        f"""
        select kpi.metric_id, kpi.dimension_name, kpi.dimension_value, kpi.period_start, kpi.value
        from marts.kpi_metric_values as kpi {since_first_data("kpi", has_first_periods)}
        where kpi.period_grain = 'month'
            and kpi.dimension_name in ('total', 'team', 'rep')
            and kpi.metric_id in (select unnest(?))
            and kpi.period_start > (
                select max(period_start) - to_months({TREND_MONTHS})
                from marts.kpi_metric_values where period_grain = 'month'
            )
        order by kpi.metric_id, kpi.dimension_name, kpi.dimension_value, kpi.period_start
        """,
        [[metric_id for ids in HEADLINES.values() for metric_id in ids]],
    ).fetchall()
    series: dict[str, dict[str, list]] = {}
    for metric_id, dimension, value_of, start, value in rows:
        key = "total" if dimension == "total" else f"{dimension}:{value_of}"
        series.setdefault(metric_id, {}).setdefault(key, []).append([start.isoformat(), value])
    return series


def _rep_teams(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select user_id, coalesce(team, 'unknown') from marts.dim_reps").fetchall())


def _scorecard_view(card: Scorecard | None) -> dict[str, Any] | None:
    """The scorecard as the template shows it: formatted cells, reps ordered by attainment."""
    if card is None:
        return None
    periods = []
    for period in card.periods:
        lines = [
            {
                "role": line.role,
                "label": metric_label(line.metric_id),
                "value": format_value(line.value, line.unit),
                "target": "" if line.target is None else format_value(line.target, line.unit),
                "attainment": _percent(line.attainment),
                "change": format_change(line.change_vs_prior_period),
                "change_year": format_change(line.change_vs_prior_year),
                "kind": line.indicator,
            }
            for line in period.lines
        ]
        periods.append(
            {
                "label": period_label(period.period_start, card.grain),
                "complete": period.is_complete,
                "quarter": period.plan.quarter if period.plan else None,
                "lines": lines,
            }
        )
    reps = []
    for rep in card.reps:
        cells = []
        for period in card.periods:
            result = rep.results.get(period.period_start)
            cells.append(
                {"value": "", "target": "", "attainment": ""}
                if result is None
                else {
                    "value": format_value(result.value, card.rep_unit),
                    "target": "" if result.target is None else format_value(result.target, card.rep_unit),
                    "attainment": _percent(result.attainment),
                }
            )
        reps.append({"id": rep.rep_id, "label": rep.label, "team": rep.team, "cells": cells})
    rep_metric = metric_label(card.rep_metric) if card.rep_metric else None
    return {"periods": periods, "rep_metric": rep_metric, "reps": reps}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def build_report(
    db_path: Path,
    out_dir: Path,
    scorecard: ScorecardConfig | None = None,
    rep_names: dict[str, str] | None = None,
) -> Path:
    """Write <out_dir>/index.html from the published mart and return its path.

    `scorecard` opens the page (objective, indicators, rep objectives); `rep_names` maps rep ids to
    display names where the deployment allows it (salesmart.scorecard.rep_display_names).
    """
    catalog = load_metric_catalog()
    metrics = catalog["metrics"]
    names = rep_names or {}
    card = build_scorecard(db_path, scorecard, rep_names=names) if scorecard else None
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        has_first_periods = has_table(con, FIRST_PERIODS_TABLE)
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
                charts.append({"metric": metric_id, "label": label, "tickformat": _tick_format(spec["unit"])})
            family_metrics = [m for m, s in metrics.items() if s["family"] == family]
            split = {
                kind: [metric_label(m) for m in family_metrics if metrics[m]["indicator"] == kind]
                for kind in ("leading", "lagging")
            }
            sections.append(
                {"family": family, "title": family.replace("_", " "), "tiles": tiles, "charts": charts, "split": split}
            )
        series = _trend_series(con, has_first_periods)
        teams_of = _rep_teams(con)
        rep_rows = con.execute(
            "select dimension_value as rep, metric_id, period_grain, period_start, value, target_value, attainment "
            "from marts.kpi_metric_values where dimension_name = 'rep' and target_value is not null "
            "order by period_start desc, metric_id, period_grain, attainment desc nulls last limit 200"
        ).fetchall()
    finally:
        con.close()
    reps = [
        {
            "rep": r[0],
            "label": names.get(r[0], r[0]),
            "team": teams_of.get(r[0], "unknown"),
            "metric": metric_label(r[1]),
            "period": f"{r[2]} {r[3]}",
            "actual": format_value(r[4], metrics[r[1]]["unit"]),
            "target": format_value(r[5], metrics[r[1]]["unit"]),
            "attainment": "n/a" if r[6] is None else f"{r[6]:.0%}",
        }
        for r in rep_rows
    ]
    # The selector lists every team and rep with a slice in the charts, reps in natural id order.
    slice_keys = {key for by_slice in series.values() for key in by_slice}
    rep_ids = sorted((key[4:] for key in slice_keys if key.startswith("rep:")), key=natural_key)
    team_ids = sorted(key[5:] for key in slice_keys if key.startswith("team:"))
    selector = [{"key": "total", "label": "Company total"}]
    selector += [{"key": f"team:{team}", "label": f"Team {team}"} for team in team_ids]
    selector += [
        {"key": f"rep:{rep}", "label": f"Rep {names.get(rep, rep)} ({teams_of.get(rep, 'unknown')})"} for rep in rep_ids
    ]
    environment = Environment(loader=PackageLoader("salesmart", "templates"), autoescape=select_autoescape())
    html = environment.get_template("report.html.j2").render(
        sections=sections,
        scorecard=_scorecard_view(card),
        reps=reps,
        selector=selector,
        chart_data={"series": series, "teams": teams_of},
        latest_month=latest,
        as_of_period_end=as_of_period_end,
        published_at=datetime.fromtimestamp(db_path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=get_plotlyjs(),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
