"""Equivalence of a connector CRM source with the contract path (issue 14), shared by the Salesforce and
HubSpot tests: one generated business data set written in the contract's shape and in the connector's
(`salesmart generate --crm-format`), each run through `salesmart run` (the connector with --crm-source),
and the kpi_metric_values rows compared metric by metric. Metrics the connector cannot feed are named by
the caller with the reason; every other row must be identical (key and every value).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import duckdb

from helpers import KPI_KEY, duckdb_kpi_rows, keyed_kpi_rows, salesmart_command, same_value
from salesmart.contract import load_contract
from salesmart.load import LINEAGE_COLUMNS

# Small enough for two dbt builds in about two minutes on the 2-core machine, big enough that every family
# reports slices (the demo's default is 0.02 and 12 months).
EQUIVALENCE_SCALE = "0.002"
EQUIVALENCE_MONTHS = "6"
EQUIVALENCE_AS_OF = "2025-06-30"


def salesmart_ok(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([*salesmart_command(), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"salesmart {' '.join(args)} failed:\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}"
    )
    return result


def generated_landing(root: Path, crm_format: str, seed: int = 7) -> Path:
    """`salesmart generate` at the equivalence scale into <root>/landing-<crm_format>."""
    landing = root / f"landing-{crm_format}"
    env = {**os.environ, "SALESMART_HOME": str(root / "home-generate")}
    salesmart_ok(
        [
            "generate",
            *("--scale", EQUIVALENCE_SCALE, "--months", EQUIVALENCE_MONTHS, "--seed", str(seed)),
            *("--start", "2025-01-01", "--out", str(landing), "--crm-format", crm_format),
        ],
        env,
    )
    return landing


def run_kpis(
    root: Path, landing: Path, crm_source: str, extra_env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """`salesmart run --crm-source <crm_source>` on DuckDB in <root>/home-<crm_source>; kpi_metric_values rows."""
    home = root / f"home-{crm_source}"
    env = {
        **os.environ,
        **(extra_env or {}),
        "SALESMART_HOME": str(home),
        "SALESMART_LANDING": str(landing),
        "SALESMART_AS_OF": EQUIVALENCE_AS_OF,
        "SALESMART_TARGET": "duckdb",
    }
    env.pop("SALESMART_CRM_SOURCE", None)
    salesmart_ok(["run", "--crm-source", crm_source], env)
    return duckdb_kpi_rows(home / "salesmart.duckdb")


def contract_rows(reference: Path) -> list[dict[str, Any]]:
    """kpi_metric_values of the session's contract-format reference run (conftest fixture contract_reference:
    generated_landing(root, "salesmart") through run_kpis(root, ..., "salesmart"), built once per session)."""
    return duckdb_kpi_rows(reference / "home-salesmart" / "salesmart.duckdb")


def kpi_differences(
    contract_rows: list[dict[str, Any]], connector_rows: list[dict[str, Any]], not_fed: dict[str, str]
) -> list[str]:
    """One line per row that differs (missing, extra or another value), leaving out the metrics of `not_fed`
    (metric_id -> why the connector cannot feed it)."""
    ref = {k: r for k, r in keyed_kpi_rows(contract_rows).items() if r["metric_id"] not in not_fed}
    oth = {k: r for k, r in keyed_kpi_rows(connector_rows).items() if r["metric_id"] not in not_fed}
    lines = [f"only in the contract run: {key}" for key in sorted(set(ref) - set(oth), key=str)]
    lines += [f"only in the connector run: {key}" for key in sorted(set(oth) - set(ref), key=str)]
    for key in sorted(set(ref) & set(oth), key=str):
        for column, value in ref[key].items():
            if column not in KPI_KEY and not same_value(value, oth[key].get(column)):
                lines.append(f"{key} {column}: contract {value!r}, connector {oth[key].get(column)!r}")
    return lines


def fed_metrics(contract_rows: list[dict[str, Any]], not_fed: dict[str, str]) -> set[str]:
    """The metric ids the comparison covers (reported by the contract run and not in `not_fed`)."""
    return {r["metric_id"] for r in contract_rows} - set(not_fed)


def write_native_schema(
    build_db: Path, raw_schema: str, native_schema: str, connection: str | None = None
) -> list[str]:
    """Copy the landed connector tables of `raw_schema` (e.g. raw_salesforce) into `native_schema` as the
    connector keeps them in a warehouse: the latest row per id, no salesmart lineage columns, and
    _fivetran_synced set (the row's version timestamp when the table has one, else 2025-03-01); with
    `connection`, only the rows landed from that connection's folder. Returns the table names."""
    system = raw_schema.removeprefix("raw_")
    lineage = ", ".join([*LINEAGE_COLUMNS, "_fivetran_synced"])
    contract = load_contract()
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"create schema {native_schema}")
        names = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by table_name", [raw_schema]
            ).fetchall()
        ]
        for name in names:
            table = contract[f"{system}.{name}"]
            version, key = table.version_column, ", ".join(table.primary_key)
            synced = f"coalesce({version}, timestamp '2025-03-01')" if version else "timestamp '2025-03-01'"
            latest = (
                f"qualify row_number() over (partition by {key} order by {version} desc, _file_id desc) = 1"
                if version
                else ""
            )
            where = f"where _source_relation = '{connection}'" if connection else ""
            con.execute(
                f'create table {native_schema}."{name}" as select * exclude ({lineage}), '
                f'{synced} as _fivetran_synced from {raw_schema}."{name}" {where} {latest}'
            )
    return names
