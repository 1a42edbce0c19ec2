"""Spark target: raw tables as Parquet, and publish, both through dbt so any dbt-spark connection works.

Landing (as on PostgreSQL, one code path for the contract checks): `salesmart load` lands and checks files
with DuckDB into the ledger <home>/build.duckdb. On the spark target `sync_raw` then writes every raw_* and
meta.* table of the ledger as one Parquet file under the raw directory (DuckDB's COPY) and registers it in
the Spark catalog as an external table `raw_<system>.<table> USING parquet LOCATION ...`, by a dbt
run-operation (macros/spark/spark_raw_tables.sql). The registration goes through the dbt connection of the
profile, so the same code serves the local session, a Thrift server or Databricks; only the raw directory
must be a path the cluster can read (docs/spark.md).

Publish: dbt builds marts into `marts_build` (macros/generate_schema_name.sql); `publish` copies each of
its tables into `marts` (macro spark_publish_marts). Spark has no transactions across tables, so unlike
PostgreSQL's schema swap a reader may see some tables of the new run and some of the old for the seconds
the copy takes; a failed build never reaches `marts`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from salesmart.config import Settings
from salesmart.gate import gated_view_sql
from salesmart.load import ledger_tables, quote_ident

BUILD_MARTS_SCHEMA = "marts_build"
PUBLISHED_SCHEMA = "marts"


class SparkTargetError(RuntimeError):
    """A Spark step failed; the message says which and why."""


def spark_dir(settings: Settings) -> Path:
    """SALESMART_SPARK_DIR, else <home>/spark: metastore, managed tables and raw Parquet (profiles.yml agrees)."""
    return Path(os.environ.get("SALESMART_SPARK_DIR") or settings.home / "spark")


def raw_dir(settings: Settings) -> Path:
    """Where DuckDB writes raw Parquet: SALESMART_SPARK_RAW_DIR, else <spark dir>/raw."""
    return Path(os.environ.get("SALESMART_SPARK_RAW_DIR") or spark_dir(settings) / "raw")


def raw_uri(settings: Settings) -> str:
    """The same directory as Spark sees it: SALESMART_SPARK_RAW_URI (e.g. a cluster's mount), else the path."""
    return os.environ.get("SALESMART_SPARK_RAW_URI") or str(raw_dir(settings))


@dataclass(frozen=True)
class SyncResult:
    tables: int
    rows: int


def export_raw(ledger: Path, directory: Path, uri: str) -> tuple[list[dict[str, str]], int]:
    """Write each raw_* / meta.* table of the ledger to <directory>/<schema>/<table>/data.parquet.

    Timestamps are written as UTC instants (Spark reads them as TIMESTAMP; naive ones would come back as
    TIMESTAMP_NTZ). The file is written aside and renamed over the old one, so a reader never sees half.
    Returns the tables (with their location under `uri`) for the registration macro and the raw row count.
    """
    tables: list[dict[str, str]] = []
    rows = 0
    with duckdb.connect(str(ledger), read_only=True) as ddb:
        ddb.execute("set TimeZone = 'UTC'")
        for (schema, table), cols in ledger_tables(ddb).items():
            select = ", ".join(
                f"cast({quote_ident(c)} as timestamptz) as {quote_ident(c)}" if t == "TIMESTAMP" else quote_ident(c)
                for c, t in cols
            )
            folder = directory / schema / table
            folder.mkdir(parents=True, exist_ok=True)
            # Spark skips files starting with '.' or '_', so the partial file is never read.
            partial = folder / ".data.parquet.tmp"
            source = f"{quote_ident(schema)}.{quote_ident(table)}"
            ddb.execute(f"copy (select {select} from {source}) to '{partial}' (format parquet)")
            os.replace(partial, folder / "data.parquet")
            if schema != "meta":
                rows += ddb.execute(f"select count(*) from {source}").fetchone()[0]
            tables.append({"schema": schema, "table": table, "location": f"{uri.rstrip('/')}/{schema}/{table}"})
    return tables, rows


def run_operation(settings: Settings, macro: str, args: dict) -> None:
    """`dbt run-operation <macro>` in this process (the Spark session then stays up for the build)."""
    from dbt.cli.main import dbtRunner

    from salesmart.build import dbt_environment
    from salesmart.config import project_root

    root = project_root()
    # Read when this process starts its JVM (the first Spark query): quiet Spark logging.
    os.environ.setdefault("SPARK_CONF_DIR", str(root / "profiles" / "spark-conf"))
    with dbt_environment(settings):
        res = dbtRunner().invoke(
            [
                "--quiet",
                "run-operation",
                macro,
                "--project-dir",
                str(root),
                "--profiles-dir",
                str(root / "profiles"),
                "--args",
                json.dumps(args),
            ]
        )
    if not res.success:
        reason = f"{type(res.exception).__name__}: {res.exception}" if res.exception else "see the dbt log above"
        raise SparkTargetError(f"dbt run-operation {macro} failed on the spark target: {reason}")


def sync_raw(settings: Settings) -> SyncResult:
    """Export the ledger's raw and meta tables to Parquet, (re)register them as Spark tables and create the
    gated_<system> views dbt reads (the same definition as in the ledger)."""
    tables, rows = export_raw(settings.build_db, raw_dir(settings), raw_uri(settings))
    views = [
        {
            "schema": "gated_" + t["schema"].removeprefix("raw_"),
            "sql": gated_view_sql(
                f"{t['schema']}.{t['table']}", f"gated_{t['schema'].removeprefix('raw_')}.{t['table']}"
            ),
        }
        for t in tables
        if t["schema"] != "meta"
    ]
    run_operation(settings, "spark_register_raw_tables", {"tables": tables, "views": views})
    return SyncResult(tables=len(tables), rows=rows)


def publish(settings: Settings) -> None:
    """Copy every table of marts_build into marts (see the module docstring for what readers see)."""
    run_operation(settings, "spark_publish_marts", {"source": BUILD_MARTS_SCHEMA, "target": PUBLISHED_SCHEMA})
