"""PostgreSQL target: connection from the environment, raw landing by COPY, blue/green publish, bi_reader.

Landing (chosen to keep one code path for the contract checks): `salesmart load` always lands and checks
files with DuckDB into the ledger <home>/build.duckdb (raw_*, meta.*), exactly as on the duckdb target.
On the postgres target `sync_raw` then copies every file PostgreSQL does not have yet (by
meta.loaded_files.file_id) into the same raw_<system>.<table> and meta.* tables there, with
`COPY ... FROM STDIN (FORMAT csv)`, in one transaction, replaces meta.loaded_files (gate verdicts change) and
creates the same gated_<system> views dbt reads. So rejected rows, file ids and source lines are
identical on both engines, and a fresh PostgreSQL database catches up from the ledger on the next load.

Publish: dbt builds marts into schema `marts_build`; `publish` copies its tables into `marts_next`,
grants bi_reader, and swaps `marts_next` -> `marts` with ALTER SCHEMA RENAME in one transaction, so BI
never sees a half-built mart (readers block for the instant of the swap, then see the new tables).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from salesmart.gate import gated_view_sql
from salesmart.load import ledger_tables, quote_ident

BUILD_MARTS_SCHEMA = "marts_build"
PUBLISHED_SCHEMA = "marts"
BI_ROLE = "bi_reader"

# DuckDB ledger type -> PostgreSQL type (the raw contract's types plus the lineage/meta columns).
_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "DOUBLE": "double precision",
}


class PostgresError(RuntimeError):
    """A PostgreSQL step failed; the message says which and why."""


@dataclass(frozen=True)
class PgParams:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_env(cls) -> PgParams:
        """SALESMART_PG_HOST/_PORT/_USER/_PASSWORD/_DBNAME (profiles.yml reads the same ones)."""
        env = os.environ
        try:
            port = int(env.get("SALESMART_PG_PORT", "5432"))
        except ValueError:
            raise PostgresError(f"SALESMART_PG_PORT must be a number, not {env['SALESMART_PG_PORT']!r}") from None
        return cls(
            host=env.get("SALESMART_PG_HOST", "localhost"),
            port=port,
            user=env.get("SALESMART_PG_USER", "salesmart"),
            password=env.get("SALESMART_PG_PASSWORD", ""),
            dbname=env.get("SALESMART_PG_DBNAME", "salesmart"),
        )


def connect(params: PgParams | None = None, **overrides: Any) -> Any:
    """A psycopg2 connection (not autocommit); overrides replace fields, e.g. user/password."""
    import psycopg2

    p = params or PgParams.from_env()
    kwargs = {"host": p.host, "port": p.port, "user": p.user, "password": p.password, "dbname": p.dbname}
    kwargs.update(overrides)
    try:
        return psycopg2.connect(**kwargs, options="-c timezone=UTC")
    except psycopg2.OperationalError as exc:
        raise PostgresError(
            f"cannot connect to PostgreSQL {kwargs['user']}@{kwargs['host']}:{kwargs['port']}/{kwargs['dbname']}: "
            f"{str(exc).strip()} (set SALESMART_PG_HOST, _PORT, _USER, _PASSWORD, _DBNAME)"
        ) from None


def _pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type.removeprefix("DECIMAL")
    try:
        return _PG_TYPES[duckdb_type]
    except KeyError:
        raise PostgresError(f"no PostgreSQL type for DuckDB type {duckdb_type}") from None


# --- landing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    files: int  # meta.loaded_files rows copied
    rows: int  # raw rows copied, all tables


def _ensure_pg_tables(cur: Any, tables: dict[tuple[str, str], list[tuple[str, str]]]) -> None:
    """Create the schemas and tables PostgreSQL lacks and add columns it lacks (extras appear over time)."""
    cur.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema like 'raw\\_%' or table_schema = 'meta'"
    )
    have: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in cur.fetchall():
        have.setdefault((schema, table), set()).add(column)
    for schema in sorted({s for s, _ in tables}):
        cur.execute(f"create schema if not exists {quote_ident(schema)}")
    for (schema, table), columns in tables.items():
        name = f"{quote_ident(schema)}.{quote_ident(table)}"
        existing = have.get((schema, table))
        if existing is None:
            cols = ", ".join(f"{quote_ident(c)} {_pg_type(t)}" for c, t in columns)
            cur.execute(f"create table {name} ({cols})")
            continue
        for column, dtype in columns:
            if column not in existing:
                cur.execute(f"alter table {name} add column {quote_ident(column)} {_pg_type(dtype)}")


def _copy(ddb: duckdb.DuckDBPyConnection, cur: Any, query: str, target: str, columns: list[str], tmp: Path) -> int:
    """Run a DuckDB query into a CSV file and COPY it into a PostgreSQL table; returns the row count.

    DuckDB writes null as an empty field and '' as "", which is what PostgreSQL's CSV format expects.
    """
    ddb.execute(f"copy ({query}) to '{tmp}' (format csv, header false)")
    with tmp.open("rb") as fh:
        column_list = ", ".join(quote_ident(c) for c in columns)
        cur.copy_expert(f"copy {target} ({column_list}) from stdin with (format csv)", fh)
    return cur.rowcount


def _create_gated_views(cur: Any, raw_tables: list[tuple[str, str]]) -> None:
    """gated_<system>.<table> over each raw table, as in the DuckDB ledger: what dbt's sources read."""
    for schema, table in raw_tables:
        gated_schema = "gated_" + schema.removeprefix("raw_")
        cur.execute(f"create schema if not exists {quote_ident(gated_schema)}")
        cur.execute(
            gated_view_sql(
                f"{quote_ident(schema)}.{quote_ident(table)}", f"{quote_ident(gated_schema)}.{quote_ident(table)}"
            )
        )


def sync_raw(ledger: Path, params: PgParams | None = None) -> SyncResult:
    """Copy the ledger's files that PostgreSQL does not hold yet (raw rows, meta rows); one transaction."""
    pg = connect(params)
    ddb = duckdb.connect(str(ledger), read_only=True)
    try:
        with pg, pg.cursor() as cur, tempfile.TemporaryDirectory(prefix="salesmart-copy-") as tmpdir:
            tables = ledger_tables(ddb)
            _ensure_pg_tables(cur, tables)
            cur.execute("select file_id from meta.loaded_files")
            have = {file_id for (file_id,) in cur.fetchall()}
            ledger_ids = {file_id for (file_id,) in ddb.execute("select file_id from meta.loaded_files").fetchall()}
            missing = sorted(ledger_ids - have)
            ddb.execute("create temp table _sync_files (file_id bigint)")
            if missing:
                ddb.executemany("insert into _sync_files values (?)", [[i] for i in missing])
            tmp = Path(tmpdir) / "rows.csv"
            rows = 0
            for (schema, table), columns in tables.items():
                names = [c for c, _ in columns]
                select = ", ".join(quote_ident(c) for c in names)
                source = f"{quote_ident(schema)}.{quote_ident(table)}"
                if schema == "meta" and table in ("load_batches", "loaded_files"):
                    # Rows updated after they were written (a batch finishes, a file passes the gate): replace
                    # every row, so the gated views below see the ledger's verdicts.
                    cur.execute(f"delete from {source}")
                    _copy(ddb, cur, f"select {select} from {source}", source, names, tmp)
                    continue
                key = "_file_id" if schema != "meta" else "file_id"
                if not missing:
                    continue
                copied = _copy(
                    ddb,
                    cur,
                    f"select {select} from {source} where {key} in (select file_id from _sync_files)",
                    source,
                    names,
                    tmp,
                )
                if schema != "meta":
                    rows += copied
            _create_gated_views(cur, [key for key in tables if key[0] != "meta"])
        return SyncResult(files=len(missing), rows=rows)
    finally:
        ddb.close()
        pg.close()


# --- publish and roles ----------------------------------------------------------------------------------


def ensure_bi_reader(cur: Any, password: str | None = None) -> None:
    """Role bi_reader (LOGIN): usage on schema marts and select on its tables, nothing else.

    PostgreSQL grants CONNECT and TEMP on a new database and (before 15) CREATE on public to PUBLIC; the
    raw, staging and intermediate schemas never grant USAGE to PUBLIC, so bi_reader cannot read them.
    """
    cur.execute("select 1 from pg_roles where rolname = %s", [BI_ROLE])
    if cur.fetchone() is None:
        cur.execute(f"create role {BI_ROLE} login")
    pw = password if password is not None else os.environ.get("SALESMART_PG_BI_PASSWORD")
    if pw:
        cur.execute(f"alter role {BI_ROLE} password %s", [pw])


def publish(params: PgParams | None = None) -> list[str]:
    """Copy marts_build's tables into marts_next and swap it in as marts in one transaction."""
    pg = connect(params)
    try:
        with pg, pg.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = %s order by 1",
                [BUILD_MARTS_SCHEMA],
            )
            names = [name for (name,) in cur.fetchall()]
            if not names:
                raise PostgresError(
                    f"schema {BUILD_MARTS_SCHEMA} has no tables: nothing to publish (run `salesmart build` first)"
                )
            ensure_bi_reader(cur)
            cur.execute("drop schema if exists marts_next cascade")
            cur.execute("create schema marts_next")
            for name in names:
                # Views become tables: the published mart must not depend on staging/intermediate.
                ident = quote_ident(name)
                cur.execute(f"create table marts_next.{ident} as select * from {BUILD_MARTS_SCHEMA}.{ident}")
            cur.execute(f"grant usage on schema marts_next to {BI_ROLE}")
            cur.execute(f"grant select on all tables in schema marts_next to {BI_ROLE}")
            # Readers of the old marts hold an ACCESS SHARE lock on its tables; the drop waits for them.
            cur.execute(f"drop schema if exists {PUBLISHED_SCHEMA}_old cascade")
            cur.execute(
                "select 1 from information_schema.schemata where schema_name = %s",
                [PUBLISHED_SCHEMA],
            )
            if cur.fetchone():
                cur.execute(f"alter schema {PUBLISHED_SCHEMA} rename to {PUBLISHED_SCHEMA}_old")
            cur.execute(f"alter schema marts_next rename to {PUBLISHED_SCHEMA}")
            cur.execute(f"drop schema if exists {PUBLISHED_SCHEMA}_old cascade")
        return names
    finally:
        pg.close()


def published_tables(params: PgParams | None = None) -> list[str]:
    pg = connect(params)
    try:
        with pg, pg.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = %s order by 1",
                [PUBLISHED_SCHEMA],
            )
            return [name for (name,) in cur.fetchall()]
    finally:
        pg.close()
