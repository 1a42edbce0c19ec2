"""Optional systems (issue #9 item 1): a full `salesmart run` with the hr, marketing or email landing folder
removed passes, and kpi_metric_values lacks exactly the metrics that need the removed system.

The expected metric lists are written out here from metrics.yml's definitions (not read from
salesmart.optional), so a change of the mapping has to be made in both places.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from salesmart.cli import app
from salesmart.contract import load_project_metric_catalog

pytestmark = pytest.mark.slow

ABSENT_WITHOUT = {
    "hr": {
        "recruiting_hours_per_candidate",
        "time_to_hire_days",
        "training_cost_per_employee",
        "training_hours_per_employee",
        "training_assessment_score",
        "avg_tenure_years",
        "turnover_rate",
        "ramp_days",
        "selling_hours_per_rep_day",
        "data_entry_hours_per_rep_day",
        "content_hours_per_rep_day",
        "research_hours_per_first_contact",
    },
    "marketing": {
        "social_engagements",
        "ad_click_through_rate",
        "click_to_lead_rate",
        "marketing_roi",
        "cost_per_lead",
        "customer_acquisition_cost",
    },
    "email": {
        "emails_sent",
        "email_open_rate",
        "email_reply_rate",
        "email_conversion_rate",
        "lead_response_hours",
        "research_hours_per_first_contact",
    },
}
PARTIAL_FAMILIES = {
    "hr": {"recruiting_training", "sales_productivity", "lead_generation"},
    "marketing": {"sales_activity", "lead_generation"},
    "email": {"sales_activity", "lead_generation"},
}


@pytest.fixture(scope="module")
def generated_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from salesmart.generate import generate

    out = tmp_path_factory.mktemp("generated") / "landing"
    generate(out, scale=0.005, seed=3, start=date(2025, 1, 1), months=3)
    return out


@pytest.mark.parametrize("system", ["hr", "marketing", "email"])
def test_run_without_system(system: str, generated_landing: Path, home: Path, runner: CliRunner) -> None:
    landing = home.parent / "landing"
    shutil.rmtree(landing)
    shutil.copytree(generated_landing, landing)
    shutil.rmtree(landing / system)

    result = runner.invoke(app, ["run", "--landing", str(landing)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"{system} (landing folder {system}/ absent)" in text
    for family in PARTIAL_FAMILIES[system]:
        assert f"partial family {family}:" in text

    with duckdb.connect(str(home / "salesmart.duckdb"), read_only=True) as con:
        metrics = {row[0] for row in con.execute("select distinct metric_id from marts.kpi_metric_values").fetchall()}
        # the family model keeps its columns, null on every row
        if system == "email":
            emails = con.execute("select count(emails_sent) from marts.kpi_sales_activity").fetchone()[0]
            assert emails == 0
    every_metric = set(load_project_metric_catalog()["metrics"])
    assert metrics == every_metric - ABSENT_WITHOUT[system]
