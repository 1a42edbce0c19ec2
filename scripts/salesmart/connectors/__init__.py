"""Connector-shaped demo data: the contract generator's CRM tables rewritten as a connector writes them.

Each connector is a module `salesmart.connectors.<crm_format>` with `convert_landing(landing, counts) -> counts`:
it reads the contract CRM tables it can feed from `<landing>/crm/<table>/`, writes the connector's tables to
`<landing>/<crm_format>/<table>/`, removes the contract folders it replaced, and returns `counts` (rows per
'<system>.<table>', as the generator returns them) without the replaced tables and with the written ones.
It also declares `FEEDS`: contract CRM table -> the connector table whose landing folder carries it (the
same list as the dbt macro <crm_format>_contract_tables(); tests/python/test_connectors.py compares them).
"""

from __future__ import annotations

import importlib
from pathlib import Path

CRM_FORMATS = ("salesmart", "salesforce", "hubspot")


def connector_feeds(crm_source: str | None) -> dict[str, str]:
    """Contract CRM table -> connector table for the tables `crm_source` feeds; {} for salesmart (the contract)."""
    if crm_source in (None, "salesmart"):
        return {}
    try:
        module = importlib.import_module(f"salesmart.connectors.{crm_source}")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(module, "FEEDS", {}))


def convert_landing(crm_format: str, landing: Path, counts: dict[str, int]) -> dict[str, int]:
    """Rewrite the generated CRM tables of `landing` in `crm_format`'s shape; the new rows per table."""
    if crm_format not in CRM_FORMATS:
        raise ValueError(f"unknown CRM format {crm_format!r} (one of {', '.join(CRM_FORMATS)})")
    if crm_format == "salesmart":
        return counts
    return importlib.import_module(f"salesmart.connectors.{crm_format}").convert_landing(Path(landing), counts)
