"""Switch detection, dbt vars merging and the generated metric_inputs() macro (no dbt run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmart import build, optional
from salesmart.config import Settings


def test_metric_inputs_macro_is_up_to_date() -> None:
    assert optional.main(["--check"]) == 0


def test_absent_folders_switch_off(tmp_path: Path) -> None:
    for folder in ("crm/users", "crm/targets", "hr", "email"):
        (tmp_path / folder).mkdir(parents=True)
    assert optional.switch_vars(tmp_path) == {
        "salesmart_using_marketing": False,
        "salesmart_using_subscriptions": False,
        "salesmart_using_nps_responses": False,
        "salesmart_using_support_tickets": False,
        "salesmart_using_user_events": False,
    }


def test_switches_off_reads_strings_and_booleans() -> None:
    assert optional.switches_off({"salesmart_using_hr": "false", "salesmart_using_email": False}) == ["hr", "email"]
    assert optional.switches_off({"salesmart_using_hr": "true"}) == []


def test_partial_families_names_metrics_and_reasons() -> None:
    partial = optional.partial_families(["nps_responses", "support_tickets"])
    assert partial == {"sales_outcomes": [("nps", ["nps_responses"]), ("complaints", ["support_tickets"])]}


def test_dbt_vars_merge_env_then_flags_then_as_of(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESMART_DBT_VARS", '{"salesmart_using_hr": false, "min_group_size": 3}')
    monkeypatch.setenv("SALESMART_AS_OF", "2025-02-14")
    assert build.dbt_vars(Settings.from_env(), extra={"min_group_size": 7}) == {
        "salesmart_using_hr": False,
        "min_group_size": 7,
        "as_of_date": "2025-02-14",
    }


def test_bad_dbt_vars_name_their_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="SALESMART_DBT_VARS: expected a mapping"):
        build.parse_dbt_vars("[1, 2]", "SALESMART_DBT_VARS")
    with pytest.raises(ValueError, match="--vars: not valid YAML/JSON"):
        build.parse_dbt_vars("{a: [", "--vars")
