"""The sales leader's scorecard: one main objective with one to three indicators per quarter, and each
rep's individual objective, read from the published mart for the latest complete period and the one in
progress. The config is scorecard.yml at the project root (README "Scorecard")."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

from salesmart.config import project_root
from salesmart.contract import load_project_metric_catalog

CONFIG_ENV = "SALESMART_SCORECARD"
CONFIG_FILE = "scorecard.yml"
GRAINS = ("month", "quarter")
MAX_INDICATORS = 3
QUARTER_KEY = re.compile(r"(\d{4})-Q([1-4])")
TOP_LEVEL_KEYS = ("grain", "quarters", "rep_objective")
ENTRY_KEYS = ("objective", "indicators")


class ScorecardError(ValueError):
    """A config the scorecard cannot use; the message names the file, the key and what is wrong."""


@dataclass(frozen=True)
class QuarterPlan:
    """The objective and indicators that apply from `starts` (the first day of `quarter`)."""

    quarter: str
    starts: date
    objective: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class ScorecardConfig:
    path: Path
    grain: str
    plans: tuple[QuarterPlan, ...]  # by start date
    rep_objective: str | None

    def plan_for(self, period_start: date) -> QuarterPlan | None:
        """The latest entry starting on or before the period (None before the first entry)."""
        applying = [plan for plan in self.plans if plan.starts <= period_start]
        return applying[-1] if applying else None


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or project_root() / CONFIG_FILE)


def load_config(path: Path) -> ScorecardConfig:
    """Read and validate a scorecard config; ScorecardError names the file, key and problem."""
    if not path.is_file():
        raise ScorecardError(f"{path}: scorecard config not found (set --config or {CONFIG_ENV})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScorecardError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path) -> ScorecardConfig:
    def fail(key: str, problem: str) -> ScorecardError:
        return ScorecardError(f"{path}: {key}: {problem}")

    metrics = load_project_metric_catalog()["metrics"]

    def metric(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in metrics:
            raise fail(key, f"unknown metric {value!r} (ids: `salesmart kpi --all`, spec/metrics.yml)")
        return value

    if not isinstance(raw, dict):
        raise ScorecardError(f"{path}: expected a mapping with keys {', '.join(TOP_LEVEL_KEYS)}")
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise fail(str(key), f"unknown key; expected {', '.join(TOP_LEVEL_KEYS)}")
    grain = raw.get("grain", "month")
    if grain not in GRAINS:
        raise fail("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
    quarters = raw.get("quarters")
    if not isinstance(quarters, dict) or not quarters:
        raise fail("quarters", "expected a mapping of quarters (YYYY-Q1 .. YYYY-Q4) to an objective and indicators")
    plans = []
    for quarter, entry in quarters.items():
        key = f"quarters.{quarter}"
        found = QUARTER_KEY.fullmatch(str(quarter))
        if found is None:
            raise fail(key, f"bad quarter {quarter!r}; write YYYY-Qn with n 1 to 4, e.g. 2025-Q3")
        if not isinstance(entry, dict):
            raise fail(key, "expected a mapping with objective and indicators")
        for entry_key in entry:
            if entry_key not in ENTRY_KEYS:
                raise fail(f"{key}.{entry_key}", f"unknown key; expected {', '.join(ENTRY_KEYS)}")
        if "objective" not in entry:
            raise fail(f"{key}.objective", "missing: the quarter's main objective metric")
        objective = metric(f"{key}.objective", entry["objective"])
        indicators = entry.get("indicators")
        if isinstance(indicators, str):
            indicators = [indicators]
        if not isinstance(indicators, list) or not 1 <= len(indicators) <= MAX_INDICATORS:
            count = len(indicators) if isinstance(indicators, list) else "no"
            raise fail(f"{key}.indicators", f"{count} indicators; give 1 to {MAX_INDICATORS} metric ids")
        checked = tuple(metric(f"{key}.indicators", value) for value in indicators)
        if objective in checked or len(set(checked)) < len(checked):
            raise fail(f"{key}.indicators", "an indicator repeats the objective or another indicator")
        year, number = int(found.group(1)), int(found.group(2))
        plans.append(QuarterPlan(str(quarter), date(year, 3 * number - 2, 1), objective, checked))
    rep_objective = raw.get("rep_objective")
    if rep_objective is not None:
        metric("rep_objective", rep_objective)
        if "rep" not in metrics[rep_objective]["dims"]:
            raise fail("rep_objective", f"metric {rep_objective!r} has no rep dimension")
    return ScorecardConfig(path, grain, tuple(sorted(plans, key=lambda plan: plan.starts)), rep_objective)


# ---------------------------------------------------------------- reading the published mart


@dataclass
class ScoreLine:
    role: str  # objective | indicator
    metric_id: str
    unit: str
    indicator: str  # leading | lagging (metric catalog)
    value: float | None = None
    target: float | None = None
    attainment: float | None = None
    change_vs_prior_period: float | None = None
    change_vs_prior_year: float | None = None


@dataclass
class ScorePeriod:
    period_start: date
    period_end: date
    is_complete: bool
    plan: QuarterPlan | None
    lines: list[ScoreLine]


@dataclass
class RepResult:
    value: float | None
    target: float | None
    attainment: float | None


@dataclass
class RepLine:
    rep_id: str
    label: str  # the display name where allowed, else the id
    team: str
    results: dict[date, RepResult] = field(default_factory=dict)  # by period_start


@dataclass
class Scorecard:
    grain: str
    periods: list[ScorePeriod]  # latest complete, then in progress (either may be missing)
    rep_metric: str | None
    rep_unit: str
    reps: list[RepLine]  # ordered by attainment


LINE_COLUMNS = ("value", "target_value", "attainment", "change_vs_prior_period", "change_vs_prior_year")


def natural_key(text: str) -> list[Any]:
    """usr_3 before usr_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _shown_periods(con: duckdb.DuckDBPyConnection, grain: str) -> list[tuple[date, date, bool]]:
    return con.execute(
        """
        select period_start, period_end, is_complete_period
        from marts.kpi_metric_values
        where period_grain = ? and dimension_name = 'total'
            and period_start in (
                select max(period_start) from marts.kpi_metric_values
                where period_grain = ? and dimension_name = 'total'
                group by is_complete_period
            )
        group by all
        order by period_start
        """,
        [grain, grain],
    ).fetchall()


def build_scorecard(
    db_path: Path,
    config: ScorecardConfig,
    team: str | None = None,
    rep_names: dict[str, str] | None = None,
) -> Scorecard:
    """The scorecard of the published mart `db_path` (read-only)."""
    from salesmart.kpi import NotPublishedError, connect_published, has_table

    metrics = load_project_metric_catalog()["metrics"]
    with connect_published(db_path) as con:
        if not has_table(con, "dim_reps"):
            raise NotPublishedError(f"{db_path} has no marts.dim_reps table: publish a complete build")
        periods = []
        for start, end, complete in _shown_periods(con, config.grain):
            plan = config.plan_for(start)
            lines = []
            if plan is not None:
                for role, metric_id in [("objective", plan.objective)] + [("indicator", m) for m in plan.indicators]:
                    found = con.execute(
                        f"select {', '.join(LINE_COLUMNS)} from marts.kpi_metric_values where metric_id = ? "
                        "and period_grain = ? and period_start = ? and dimension_name = 'total'",
                        [metric_id, config.grain, start],
                    ).fetchone()
                    spec = metrics[metric_id]
                    lines.append(ScoreLine(role, metric_id, spec["unit"], spec["indicator"], *(found or ())))
            periods.append(ScorePeriod(start, end, complete, plan, lines))
        reps = _rep_lines(con, config, [p.period_start for p in periods], team, rep_names or {})
    rep_unit = metrics[config.rep_objective]["unit"] if config.rep_objective else ""
    return Scorecard(config.grain, periods, config.rep_objective, rep_unit, reps)


def _rep_lines(
    con: duckdb.DuckDBPyConnection,
    config: ScorecardConfig,
    starts: list[date],
    team: str | None,
    rep_names: dict[str, str],
) -> list[RepLine]:
    if config.rep_objective is None or not starts:
        return []
    rows = con.execute(
        """
        select kpi.dimension_value, coalesce(reps.team, 'unknown'), kpi.period_start, kpi.value,
            kpi.target_value, kpi.attainment
        from marts.kpi_metric_values as kpi
        left join marts.dim_reps as reps on reps.user_id = kpi.dimension_value
        where kpi.metric_id = ? and kpi.period_grain = ? and kpi.dimension_name = 'rep'
            and kpi.period_start in (select unnest(?))
            and (cast(? as varchar) is null or reps.team = ?)
        """,
        [config.rep_objective, config.grain, starts, team, team],
    ).fetchall()
    reps: dict[str, RepLine] = {}
    for rep_id, rep_team, start, value, target, attainment in rows:
        line = reps.setdefault(rep_id, RepLine(rep_id, rep_names.get(rep_id, rep_id), rep_team))
        line.results[start] = RepResult(value, target, attainment)
    return sorted(reps.values(), key=lambda line: _rep_order(line, starts))


def _rep_order(line: RepLine, starts: list[date]) -> tuple:
    """Highest attainment of the latest complete period first (then of the period in progress); reps
    without a target last; ties by id in natural order."""
    key: list[Any] = []
    for start in starts:
        attainment = line.results.get(start, RepResult(None, None, None)).attainment
        key += [attainment is None, -(attainment or 0.0)]
    return (*key, natural_key(line.rep_id))


def rep_display_names(build_db: Path) -> dict[str, str]:
    """rep id -> full name from the raw CRM users of build.duckdb (latest version per user).

    Names are personal data: they stay out of the marts and the published file and are read here only
    when the deployment allows it (SALESMART_SHOW_REP_NAMES). Best effort: without a readable build
    database (a build running, a PostgreSQL deployment) the ids are shown.
    """
    try:
        with duckdb.connect(str(build_db), read_only=True) as con:
            rows = con.execute(
                """
                select
                    case when _source_relation = 'default' then user_id
                        else _source_relation || ':' || user_id end as rep_id,
                    full_name
                from raw_crm.users
                where full_name is not null
                qualify row_number() over (
                    partition by _source_relation, user_id
                    order by updated_at desc, _file_id desc, _source_line desc
                ) = 1
                """
            ).fetchall()
    except duckdb.Error:
        return {}
    return dict(rows)


# ---------------------------------------------------------------- console


def period_label(start: date, grain: str) -> str:
    return start.strftime("%Y-%m") if grain == "month" else f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def to_rich(scorecard: Scorecard, max_reps: int | None = None) -> list[Any]:
    """One table per shown period (objective and indicators), then the reps' objective."""
    from salesmart.kpi import compact_table, format_attainment, format_change, format_short

    out: list[Any] = []
    for period in scorecard.periods:
        label = period_label(period.period_start, scorecard.grain)
        state = "complete" if period.is_complete else "in progress"
        if period.plan is None:
            out.append(f"scorecard {label}: no objective set for this period (scorecard.yml quarters)")
            continue
        # headings are lines of their own: a table's title wraps at the table's width
        out.append(f"[bold]scorecard {label}[/bold] ({state}; objectives set for {period.plan.quarter})")
        table = compact_table()
        for name in ("metric", "value", "target", "vs tgt", "vs prior", "vs year", "role"):
            table.add_column(name, justify="left" if name in ("metric", "role") else "right", no_wrap=True)
        for line in period.lines:
            # the objective first, then each indicator with whether it leads or lags
            table.add_row(
                f"[bold]{line.metric_id}[/bold]" if line.role == "objective" else line.metric_id,
                format_short(line.value, line.unit),
                "" if line.target is None else format_short(line.target, line.unit),
                format_attainment(line.attainment),
                format_change(line.change_vs_prior_period),
                format_change(line.change_vs_prior_year),
                "objective" if line.role == "objective" else line.indicator,
            )
        out.append(table)
    if scorecard.rep_metric:
        out.append(f"[bold]rep objectives[/bold]: {scorecard.rep_metric} against each rep's target, by attainment")
        out.append(_reps_table(scorecard, max_reps))
    return out


def _reps_table(scorecard: Scorecard, max_reps: int | None) -> Any:
    from salesmart.kpi import compact_table, format_attainment, format_short

    table = compact_table()
    table.add_column("rep", no_wrap=True)
    table.add_column("team", no_wrap=True)
    for period in scorecard.periods:
        label = period_label(period.period_start, scorecard.grain) + ("" if period.is_complete else " *")
        table.add_column(label, justify="right", no_wrap=True)
        table.add_column("target", justify="right", no_wrap=True)
        table.add_column("vs tgt", justify="right", no_wrap=True)
    shown = scorecard.reps if max_reps is None else scorecard.reps[:max_reps]
    for rep in shown:
        cells = [rep.label, rep.team]
        for period in scorecard.periods:
            result = rep.results.get(period.period_start)
            if result is None:
                cells += ["", "", ""]
                continue
            cells += [
                format_short(result.value, scorecard.rep_unit),
                "" if result.target is None else format_short(result.target, scorecard.rep_unit),
                format_attainment(result.attainment),
            ]
        table.add_row(*cells)
    if not scorecard.reps:
        table.caption = "no rep has a value of this metric in these periods"
    elif len(shown) < len(scorecard.reps):
        table.caption = f"top {len(shown)} of {len(scorecard.reps)} reps (--reps 0 lists all)"
    return table
