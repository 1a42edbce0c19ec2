"""The raw landing contract (spec/raw_contract.yml) as typed objects, shared by generate, load and validate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

# Contract type -> DuckDB type used in raw tables.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,4)",
    # a connector's full-precision number (Salesforce's conversion_rate: 1 / rate must round-trip)
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    accepted: tuple[str, ...] | None = None
    pii: bool = False
    description: str = ""

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    system: str
    name: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    # The column ordering a key's versions: updated_at in the contract, spec key version_column for a
    # connector table (Salesforce's system_modstamp); None for event tables (a repeated id is a re-send).
    version_column: str | None = None

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.system}"

    @property
    def qualified_name(self) -> str:
        return f"{self.raw_schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.system}.{self.name} has no column {name!r}")


def _read_spec(file_name: str) -> dict:
    text = resources.files("salesmart").joinpath("spec", file_name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _connector_spec_names() -> list[str]:
    """spec/connectors/*.yml: connector schemas (Salesforce, HubSpot) described in the contract's format."""
    folder = resources.files("salesmart").joinpath("spec", "connectors")
    if not folder.is_dir():
        return []
    return sorted(f"connectors/{entry.name}" for entry in folder.iterdir() if entry.name.endswith(".yml"))


@cache
def load_contract() -> dict[str, Table]:
    """All landing tables keyed by '<system>.<table>': the raw contract's and the connector schemas'."""
    tables = dict(contract_tables())
    for file_name in _connector_spec_names():
        tables.update(_tables_of(_read_spec(file_name)))
    return tables


@cache
def contract_tables() -> dict[str, Table]:
    """The raw contract's tables only (spec/raw_contract.yml): what every warehouse has, connector or not."""
    return _tables_of(_read_spec("raw_contract.yml"))


@cache
def connector_systems() -> frozenset[str]:
    """Systems described by spec/connectors/*.yml (salesforce, hubspot): landed only where they have files."""
    return frozenset(t.system for key, t in load_contract().items() if key not in contract_tables())


def _tables_of(spec: dict) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for system, system_spec in spec["systems"].items():
        for table_name, table_spec in system_spec["tables"].items():
            columns = tuple(
                Column(
                    name=c["name"],
                    type=c["type"],
                    required=bool(c.get("required", False)),
                    accepted=tuple(c["accepted"]) if "accepted" in c else None,
                    pii=bool(c.get("pii", False)),
                    description=c.get("description", ""),
                )
                for c in table_spec["columns"]
            )
            tables[f"{system}.{table_name}"] = Table(
                system=system,
                name=table_name,
                primary_key=tuple(table_spec["primary_key"]),
                columns=columns,
                description=table_spec.get("description", ""),
                version_column=table_spec.get(
                    "version_column", "updated_at" if any(c.name == "updated_at" for c in columns) else None
                ),
            )
    return tables


def multi_connection_systems() -> set[str]:
    """Systems whose folder may hold connection folders: the CRM and the connector CRMs (salesforce/<connection>/)."""
    return {"crm", *connector_systems()}


@cache
def opportunity_stages() -> dict[str, list[str]]:
    spec = _read_spec("raw_contract.yml")
    return spec["systems"]["crm"]["tables"]["opportunities"]["stages"]


@cache
def load_metric_catalog() -> dict:
    return _read_spec("metrics.yml")


@cache
def load_metric_extensions() -> dict:
    """Project metrics beyond the shared spec (spec/metrics_extra.yml: a `metrics` mapping)."""
    return _read_spec("metrics_extra.yml")


def load_project_metric_catalog() -> dict:
    """metrics.yml with the metrics of metrics_extra.yml appended (what the project builds and serves)."""
    base = load_metric_catalog()
    extra = load_metric_extensions().get("metrics") or {}
    return {**base, "metrics": {**base["metrics"], **extra}}
