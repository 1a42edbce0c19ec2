"""Optional source systems and CRM tables: switches, the metrics each one feeds, landing detection.

A switch is the dbt var `salesmart_using_<name>` (default true). `salesmart run` turns a switch off when
its landing folder is absent (`<landing>/<system>` for a system, `<landing>/crm/[<connection>/]<table>` for an optional
CRM table, `<landing>/<connector>/<connector table>` when a connector CRM source feeds that table). Metrics whose
inputs are off get no rows in kpi_metric_values (macro `kpi_metric_available`).

The dbt side reads METRIC_INPUTS through the generated macro `metric_inputs()`
(`python -m salesmart.optional` writes it; `--check` exits 1 when it drifts).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from salesmart.connectors import connector_feeds
from salesmart.contract import load_metric_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
MACRO_PATH = Path("macros/optional/metric_inputs.sql")


@dataclass(frozen=True)
class Switch:
    name: str  # var salesmart_using_<name>
    landing_folder: str  # relative to the landing root

    @property
    def var(self) -> str:
        return f"salesmart_using_{self.name}"


SWITCHES: tuple[Switch, ...] = (
    Switch("hr", "hr"),
    Switch("marketing", "marketing"),
    Switch("email", "email"),
    Switch("subscriptions", "crm/subscriptions"),
    Switch("nps_responses", "crm/nps_responses"),
    Switch("support_tickets", "crm/support_tickets"),
    Switch("user_events", "crm/user_events"),
    Switch("targets", "crm/targets"),
)

# metric_id -> switches it needs (from metrics.yml definitions). A metric is reported only when all are on.
# Dimensions fed by an optional system (e.g. campaign channel) become 'unknown' instead; not listed here.
METRIC_INPUTS: dict[str, tuple[str, ...]] = {
    # sales_outcomes: churn is subscription-based; CLV's lifetime is 1 / churn
    "customer_lifetime_value": ("subscriptions",),
    "customer_churn_rate": ("subscriptions",),
    "customer_retention_rate": ("subscriptions",),
    "nps": ("nps_responses",),
    "complaints": ("support_tickets",),
    # sales_activity
    "emails_sent": ("email",),
    "email_open_rate": ("email",),
    "email_reply_rate": ("email",),
    "email_conversion_rate": ("email",),
    "social_engagements": ("marketing",),
    # lead_generation: spend is ad performance + marketing costs; first touch is a call or a sales email
    "ad_click_through_rate": ("marketing",),
    "click_to_lead_rate": ("marketing",),
    "marketing_roi": ("marketing",),
    "cost_per_lead": ("marketing",),
    "customer_acquisition_cost": ("marketing",),
    "lead_response_hours": ("email",),
    "research_hours_per_first_contact": ("hr", "email"),
    # sales_productivity: time entries and sales employees are HR
    "selling_hours_per_rep_day": ("hr",),
    "data_entry_hours_per_rep_day": ("hr",),
    "content_hours_per_rep_day": ("hr",),
    "crm_adoption_rate": ("user_events",),
    # recruiting_training: all HR
    "recruiting_hours_per_candidate": ("hr",),
    "time_to_hire_days": ("hr",),
    "training_cost_per_employee": ("hr",),
    "training_hours_per_employee": ("hr",),
    "training_assessment_score": ("hr",),
    "avg_tenure_years": ("hr",),
    "turnover_rate": ("hr",),
    "ramp_days": ("hr",),
}


def _present(landing: Path, folder: str) -> bool:
    """A CRM table folder counts as present in any connection: crm/<table>/ or crm/<connection>/<table>/."""
    if (landing / folder).is_dir():
        return True
    system, _, table = folder.partition("/")
    return bool(table) and (landing / system).is_dir() and any((landing / system).glob(f"*/{table}/"))


def landing_folder(switch: Switch, crm_source: str | None = None) -> str:
    """Where the switch's input lands: the connector's table folder when the CRM source feeds that table."""
    system, _, table = switch.landing_folder.partition("/")
    fed = connector_feeds(crm_source)
    if system == "crm" and table in fed:
        return f"{crm_source}/{fed[table]}"
    return switch.landing_folder


def _switch_present(landing: Path, switch: Switch, crm_source: str | None) -> bool:
    folder = landing_folder(switch, crm_source)
    system = folder.partition("/")[0]
    # A connector read in its warehouse schema (no <landing>/<connector>/ at all): its tables decide, and
    # a missing one is an error naming its *_enabled var (macro connector_columns), not a silent switch.
    if system != switch.landing_folder.partition("/")[0] and not (landing / system).is_dir():
        return True
    return _present(landing, folder)


def switch_vars(landing: Path, crm_source: str | None = None) -> dict[str, bool]:
    """`{var: False}` for every switch whose landing folder is absent (present folders add nothing)."""
    return {s.var: False for s in SWITCHES if not _switch_present(landing, s, crm_source)}


def absent_reason(name: str, crm_source: str | None = None) -> str:
    """Why a switch detected as absent is off, for the run report."""
    switch = next(s for s in SWITCHES if s.name == name)
    folder = landing_folder(switch, crm_source)
    system, _, table = switch.landing_folder.partition("/")
    if crm_source not in (None, "salesmart") and system == "crm" and table not in connector_feeds(crm_source):
        return f"{crm_source} has no such table; land it as contract files in {folder}/"
    return f"landing folder {folder}/ absent"


def switches_off(dbt_vars: dict) -> list[str]:
    """Names of the switches the given dbt vars turn off (missing vars are on, as in dbt_project.yml)."""
    off = []
    for s in SWITCHES:
        value = dbt_vars.get(s.var, True)
        if isinstance(value, str):
            value = value.strip().lower() not in {"false", "0", "no", "off"}
        if value is None or value is False or value == 0:
            off.append(s.name)
    return off


def partial_families(off: list[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """family -> [(metric_id, switches off that it needs)] for metrics the switches in `off` remove."""
    catalog = load_metric_catalog()["metrics"]
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for metric_id, inputs in METRIC_INPUTS.items():
        missing = [name for name in inputs if name in off]
        if missing:
            out.setdefault(catalog[metric_id]["family"], []).append((metric_id, missing))
    return out


def render_macro() -> str:
    """Text of macros/optional/metric_inputs.sql."""
    catalog = load_metric_catalog()["metrics"]
    names = {s.name for s in SWITCHES}
    lines = [
        "{#- GENERATED by `python -m salesmart.optional` from METRIC_INPUTS in scripts/salesmart/optional.py.",
        "    Do not edit: change optional.py and re-run. -#}",
        "{% macro metric_inputs() -%}",
        "    {{ return({",
    ]
    for metric_id, inputs in METRIC_INPUTS.items():
        if metric_id not in catalog:
            raise ValueError(f"optional.py: METRIC_INPUTS names '{metric_id}', which is not in metrics.yml")
        unknown = [name for name in inputs if name not in names]
        if unknown:
            raise ValueError(f"optional.py: METRIC_INPUTS['{metric_id}'] names unknown switches {unknown}")
        quoted = ", ".join(f'"{name}"' for name in inputs)
        lines.append(f'        "{metric_id}": [{quoted}],')
    lines += ["    }) }}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = REPO_ROOT / MACRO_PATH
    text = render_macro()
    if "--check" in argv:
        if not path.exists() or path.read_text() != text:
            print(f"{MACRO_PATH} is out of date: run `python -m salesmart.optional`", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    print(f"wrote {MACRO_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
