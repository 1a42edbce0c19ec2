"""`salesmart scorecard`: config validation, and the printed scorecard of a hand-made landing with known
targets (the pipeline landing of test_pipeline_kpis plus monthly targets)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import salesmart_command
from salesmart.cli import app
from salesmart.scorecard import ScorecardError, load_config

TS = "2026-01-01T00:00:00Z"

CONFIG = """
grain: month
quarters:
  2025-Q4: {objective: revenue, indicators: [calls_made]}
  2026-Q1:
    objective: bookings
    indicators: [win_rate, opportunities_created]
rep_objective: bookings
"""

# Monthly targets beside the landing's quarterly ones (tg1, tg2).
MONTHLY_TARGETS = f"""target_id,metric_id,user_id,period_grain,period_start,target_value,updated_at
tm1,bookings,,month,2026-02-01,8000,{TS}
tm2,bookings,,month,2026-03-01,2800,{TS}
tm3,win_rate,,month,2026-02-01,0.4,{TS}
tm4,bookings,u2,month,2026-02-01,4000,{TS}
tm5,bookings,u3,month,2026-03-01,7000,{TS}
"""


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scorecard.yml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- config validation (no dbt)


def test_repo_config_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "scorecard.yml")
    assert config.grain == "month" and config.rep_objective == "bookings"
    assert all(1 <= len(plan.indicators) <= 3 for plan in config.plans)


def test_plan_applies_from_its_quarter_until_the_next(tmp_path: Path) -> None:
    from datetime import date

    config = load_config(write_config(tmp_path, CONFIG))
    assert config.plan_for(date(2025, 9, 1)) is None
    assert config.plan_for(date(2025, 12, 1)).objective == "revenue"
    assert config.plan_for(date(2026, 1, 1)).indicators == ("win_rate", "opportunities_created")
    assert config.plan_for(date(2027, 6, 1)).quarter == "2026-Q1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "quarters: {2026-Q1: {objective: winrate, indicators: [calls_made]}}",
            "quarters.2026-Q1.objective: unknown metric 'winrate'",
        ),
        (
            "quarters: {2026-Q1: {objective: bookings, indicators: [win_rate, calls_made, mqls, sqls]}}",
            "quarters.2026-Q1.indicators: 4 indicators; give 1 to 3 metric ids",
        ),
        (
            "quarters: {2026-Q1: {objective: bookings}}",
            "quarters.2026-Q1.indicators: no indicators; give 1 to 3 metric ids",
        ),
        (
            "quarters: {2026-Q5: {objective: bookings, indicators: [win_rate]}}",
            "quarters.2026-Q5: bad quarter '2026-Q5'; write YYYY-Qn with n 1 to 4",
        ),
        (
            "quarters: {2026-Q1: {objective: bookings, indicators: [bookings]}}",
            "quarters.2026-Q1.indicators: an indicator repeats the objective or another indicator",
        ),
        (
            "quarters: {2026-Q1: {objective: bookings, indicators: [win_rate], target: 3}}",
            "quarters.2026-Q1.target: unknown key; expected objective, indicators",
        ),
        (
            "grain: week\nquarters: {2026-Q1: {objective: bookings, indicators: [win_rate]}}",
            "grain: 'week' is not one of month, quarter",
        ),
        (
            "quarters: {2026-Q1: {objective: bookings, indicators: [win_rate]}}\nrep_objective: mqls",
            "rep_objective: metric 'mqls' has no rep dimension",
        ),
        ("objective: bookings", "objective: unknown key; expected grain, quarters, rep_objective"),
        ("quarters: [bookings", "not valid YAML at line 1: expected ',' or ']'"),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ScorecardError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_config_on_the_command_line_is_a_usage_error(runner: CliRunner, home: Path, tmp_path: Path) -> None:
    path = write_config(tmp_path, "quarters: {2026-Q1: {objective: bookings, indicators: [winrate]}}")
    result = runner.invoke(app, ["scorecard", "--config", str(path)])
    assert result.exit_code == 2
    assert "quarters.2026-Q1.indicators: unknown metric 'winrate'" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["scorecard", "--config", str(tmp_path / "nope.yml")])
    assert missing.exit_code == 2 and "scorecard config not found" in " ".join(missing.output.split())


def test_scorecard_without_a_complete_publish_is_a_clear_error(runner: CliRunner, published: Path) -> None:
    # `published` holds marts.kpi_metric_values only (conftest): no dim_reps for the rep objectives
    result = runner.invoke(app, ["scorecard"])
    assert result.exit_code == 1
    assert f"{published} has no marts.dim_reps table: publish a complete build" in " ".join(result.output.split())
    dashboard = runner.invoke(app, ["report"])  # opens with the scorecard: the same check, no traceback
    assert dashboard.exit_code == 1 and "has no marts.dim_reps table" in " ".join(dashboard.output.split())
    published.unlink()
    result = runner.invoke(app, ["scorecard"])
    assert result.exit_code == 1 and "nothing published yet" in result.output


# ---------------------------------------------------------------- on a built warehouse


@pytest.fixture(scope="module")
def scorecard_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SALESMART_HOME after `salesmart run` on the pipeline landing plus MONTHLY_TARGETS (as of 2026-03-31:
    February is the latest complete month, March in progress)."""
    from test_pipeline_kpis import LANDING

    root = tmp_path_factory.mktemp("scorecard")
    files = {**LANDING, "crm/targets/2026-03-01.csv": MONTHLY_TARGETS}
    for relative, text in files.items():
        path = root / "landing" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "SALESMART_HOME": str(root / "home"),
        "SALESMART_LANDING": str(root / "landing"),
        "SALESMART_AS_OF": "2026-03-31",
    }
    result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return root / "home"


def run_scorecard(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, home: Path, config: Path, *args: str
) -> list[list[str]]:
    monkeypatch.setenv("SALESMART_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["scorecard", "--config", str(config), *args])
    assert result.exit_code == 0, result.output
    # the tokens of every line but blank lines and the header rules
    return [line.split() for line in result.output.splitlines() if line.strip() and not line.startswith("─")]


@pytest.mark.slow
def test_scorecard_prints_attainment_of_objective_indicators_and_reps(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, scorecard_home: Path, tmp_path: Path
) -> None:
    monkeypatch.delenv("SALESMART_SHOW_REP_NAMES", raising=False)
    lines = run_scorecard(runner, monkeypatch, scorecard_home, write_config(tmp_path, CONFIG))
    # By hand from the landing: bookings January 1,000 (O1), February 6,000 (O3: 5,000 EUR at 1.20),
    # March 3,500 (O4); win rate January 1/1, February 1/2 (O3 won, O2 lost), March 1/1 (O4);
    # opportunities created January 4, February 1, March 1. No 2025 periods: vs year n/a.
    assert (
        lines
        == [
            ["scorecard", "2026-02", "(complete;", "objectives", "set", "for", "2026-Q1)"],
            ["metric", "value", "target", "vs", "tgt", "vs", "prior", "vs", "year", "role"],
            # 6,000 / 8,000 = 75%; (6,000 - 1,000) / 1,000 = +500%
            ["bookings", "6,000", "8,000", "75%", "+500.0%", "n/a", "objective"],
            # 50% / 40% = 125%; (0.5 - 1) / 1 = -50%
            ["win_rate", "50.0%", "40.0%", "125%", "-50.0%", "n/a", "lagging"],
            # (1 - 4) / 4 = -75%, no target
            ["opportunities_created", "1", "-75.0%", "n/a", "leading"],
            ["scorecard", "2026-03", "(in", "progress;", "objectives", "set", "for", "2026-Q1)"],
            ["metric", "value", "target", "vs", "tgt", "vs", "prior", "vs", "year", "role"],
            # 3,500 / 2,800 = 125%; (3,500 - 6,000) / 6,000 = -41.7%
            ["bookings", "3,500", "2,800", "125%", "-41.7%", "n/a", "objective"],
            ["win_rate", "100.0%", "+100.0%", "n/a", "lagging"],
            ["opportunities_created", "1", "+0.0%", "n/a", "leading"],
            ["rep", "objectives:", "bookings", "against", "each", "rep's", "target,", "by", "attainment"],
            ["rep", "team", "2026-02", "target", "vs", "tgt", "2026-03", "*", "target", "vs", "tgt"],
        ]
        + lines[12:]
    )
    # u2 first: 6,000 / 4,000 = 150% in February, no March win or target; u3 next: no February target,
    # 3,500 / 7,000 = 50% in March; u1 (no target) last. A rep without bookings in a month shows 0.
    assert lines[12:] == [
        ["u2", "A", "6,000", "4,000", "150%", "0"],
        ["u3", "B", "0", "3,500", "7,000", "50%"],
        ["u1", "A", "0", "0"],
    ]


@pytest.mark.slow
def test_scorecard_team_filter_and_display_names(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, scorecard_home: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, CONFIG)
    monkeypatch.setenv("SALESMART_SHOW_REP_NAMES", "1")
    lines = run_scorecard(runner, monkeypatch, scorecard_home, config, "--team", "A")
    reps = lines[
        lines.index(["rep", "team", "2026-02", "target", "vs", "tgt", "2026-03", "*", "target", "vs", "tgt"]) + 1 :
    ]
    # Team A is u1 (Ann One) and u2 (Bob Two); names come from raw users in build.duckdb, not the marts.
    assert [tokens[:2] for tokens in reps] == [["Bob", "Two"], ["Ann", "One"]]
    monkeypatch.setenv("SALESMART_SHOW_REP_NAMES", "0")
    hashed = run_scorecard(runner, monkeypatch, scorecard_home, config, "--team", "A", "--reps", "1")
    assert hashed[12:] == [
        ["u2", "A", "6,000", "4,000", "150%", "0"],
        ["top", "1", "of", "2", "reps", "(--reps", "0", "lists", "all)"],
    ]
