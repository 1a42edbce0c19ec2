"""Optional source systems and CRM tables: switches, the metrics each one feeds, landing detection.

A switch is the dbt var `salesmart_using_<name>` (default true). `salesmart run` turns a switch off when
its landing folder is absent (`<landing>/<system>` for a system, `<landing>/crm/[<connection>/]<table>` for an optional
CRM table, `<landing>/<connector>/<connector table>` when a connector CRM source feeds that table). Metrics whose
inputs are off get no rows in kpi_metric_values (macro `kpi_metric_available`).

Which metric needs which switch is a registry fact (field `inputs` in spec/metrics_extra.yml): dbt reads it
from the generated macro `metric_catalog()`, Python from `catalog.metric_inputs()`. Dimensions fed by an
optional system (e.g. campaign channel) become 'unknown' instead; they are not inputs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from salesmart.connectors import connector_feeds


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
    from salesmart import catalog  # the registry validates its inputs against SWITCHES

    out: dict[str, list[tuple[str, list[str]]]] = {}
    for metric in catalog.registry():
        missing = [name for name in metric.inputs if name in off]
        if missing:
            out.setdefault(metric.family, []).append((metric.metric_id, missing))
    return out


def main(argv: list[str]) -> int:
    """The metric inputs are generated with the catalog: `python -m salesmart.optional [--check]` runs
    `python -m salesmart.catalog [--check]`."""
    from salesmart import catalog

    return catalog.main(["--check"] if "--check" in argv else [])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
