"""Land extract files from <landing>/<system>/<table>/ into raw_<system>.<table> (DuckDB native readers).

The CRM may have several connections (instances): <landing>/crm/<connection>/<table>/ beside or instead of
<landing>/crm/<table>/ (connection `default`); every raw row records its connection in _source_relation.

Every file is checked against the raw contract in SQL (set-based, rows never pass through Python):
a file that cannot be read or lacks a required column is rejected whole; a row that breaks the contract
goes to meta.rejected_rows (one row per failing column) and the valid rows land. One transaction per file.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
import stat
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from salesmart.config import DEFAULT_MEMORY_LIMIT, limit_memory
from salesmart.contract import (
    Column,
    Table,
    connector_systems,
    contract_tables,
    load_contract,
    multi_connection_systems,
)
from salesmart.gate import GATE_PENDING, gated_view_sql

LINEAGE_COLUMNS = {
    "_batch_id": "BIGINT",
    "_source_file": "VARCHAR",
    "_file_sha256": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
    "_file_id": "BIGINT",
    "_source_line": "BIGINT",
    "_source_relation": "VARCHAR",
}

# Connection of the single-layout CRM and of every other system (one instance each).
DEFAULT_CONNECTION = "default"
CONNECTION_NAME = re.compile(r"[a-z0-9_]+")

META_TABLES = {
    "load_batches": """
        batch_id BIGINT PRIMARY KEY,
        landing VARCHAR,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        status VARCHAR,
        files_seen BIGINT,
        files_loaded BIGINT,
        files_skipped BIGINT,
        files_rejected BIGINT,
        rows_read BIGINT,
        rows_loaded BIGINT,
        rows_rejected BIGINT
    """,
    "loaded_files": """
        file_id BIGINT PRIMARY KEY,
        batch_id BIGINT,
        system VARCHAR,
        table_name VARCHAR,
        source_file VARCHAR,
        file_sha256 VARCHAR,
        rows_read BIGINT,
        rows_loaded BIGINT,
        rows_rejected BIGINT,
        status VARCHAR,
        error VARCHAR,
        loaded_at TIMESTAMP,
        source_relation VARCHAR,
        gate VARCHAR,
        gate_checked_at TIMESTAMP,
        gate_note VARCHAR,
        warnings VARCHAR
    """,
    # Why the next build must rebuild the incremental models (a file opened the gate below their watermark).
    "full_refresh_requests": """
        requested_at TIMESTAMP,
        reason VARCHAR
    """,
    # What dbt wrote to schema marts since the last publish (macros/publish/marts_write_ledger.sql): a table
    # rebuilt whole (kind 'full'), or the keys an incremental run replaced (kind 'delta', keys below). Publish
    # updates only those in a copy of the published file, then clears both (docs/architecture.md "Publish").
    "marts_writes": """
        table_name VARCHAR,
        kind VARCHAR,
        key_column VARCHAR,
        written_at TIMESTAMP
    """,
    "marts_write_keys": """
        table_name VARCHAR,
        key_value VARCHAR
    """,
    # The published file the ledger above is relative to (its size and mtime after the last publish: a copy
    # of the home with both files still matches), and its size when last written whole (publish rewrites it
    # whole once it has grown to twice that).
    "published_file": """
        file_size BIGINT,
        file_mtime_ns BIGINT,
        compact_size BIGINT,
        published_at TIMESTAMP
    """,
    "rejected_rows": """
        file_id BIGINT,
        batch_id BIGINT,
        source_file VARCHAR,
        line_number BIGINT,
        column_name VARCHAR,
        reason VARCHAR,
        raw_record VARCHAR
    """,
}

FILE_TYPES = (".csv", ".parquet")
# A header record longer than this is a stray quote, not a header.
MAX_HEADER_BYTES = 65_536
# Values quoted in rejection reasons are cut to this length.
MAX_VALUE_IN_REASON = 80


class FileRejected(Exception):
    """The whole file is rejected; the message names the file and, where relevant, the column."""


@dataclass(frozen=True)
class FileResult:
    file_id: int
    source_file: str
    system: str | None
    table_name: str | None
    file_sha256: str | None
    status: str  # loaded | skipped | rejected
    source_relation: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class LoadResult:
    batch_id: int
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def _count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def files_loaded(self) -> int:
        return self._count("loaded")

    @property
    def files_skipped(self) -> int:
        return self._count("skipped")

    @property
    def files_rejected(self) -> int:
        return self._count("rejected")

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def has_rejections(self) -> bool:
        return self.files_rejected > 0 or self.rows_rejected > 0


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ledger_tables(ddb: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, table) -> [(column, DuckDB type)] for raw_* and the file ledger of meta (what other engines copy:
    the load batches, the files with their gate verdicts, the rejected rows), in column order."""
    tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, dtype in ddb.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and (schema_name like 'raw\\_%' escape '\\' "
        "or (schema_name = 'meta' and table_name in ('load_batches', 'loaded_files', 'rejected_rows'))) "
        "order by schema_name, table_name, column_index"
    ).fetchall():
        tables.setdefault((schema, table), []).append((column, dtype))
    return tables


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def landed_connector_tables(landing: Path) -> set[str]:
    """'<system>.<table>' of the connector tables (salesforce, hubspot) with a folder in the landing:
    <system>/<table>/ or <system>/<connection>/<table>/."""
    found = set()
    for key, table in load_contract().items():
        folder = Path(landing) / table.system
        in_landing = folder.is_dir() and ((folder / table.name).is_dir() or any(folder.glob(f"*/{table.name}/")))
        if table.system in connector_systems() and in_landing:
            found.add(key)
    return found


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, connector_tables: Collection[str] = ()) -> None:
    """Create schemas raw_<system> and meta, every contract table and the meta tables; idempotent.

    Connector tables (raw_salesforce.*, raw_hubspot.*) are created only when named in `connector_tables`
    ('<system>.<table>' with a folder in the landing): a warehouse without connector data keeps no empty
    connector tables, which would slow every PostgreSQL/Spark sync, and a table the connector never sent
    stays missing, so its adapter names it and its *_enabled var (macro connector_columns) instead of
    reading no rows.
    A raw table created by an older contract gets the contract columns it lacks (added as null); one
    created before connections gets _source_relation (and meta.loaded_files source_relation) = 'default'.
    """
    contract = {
        key: table for key, table in load_contract().items() if key in contract_tables() or key in connector_tables
    }
    con.execute("create schema if not exists meta")
    for name, columns in META_TABLES.items():
        con.execute(f"create table if not exists meta.{name} ({columns})")
    con.execute(
        f"alter table meta.loaded_files add column if not exists source_relation varchar "
        f"default {quote_literal(DEFAULT_CONNECTION)}"
    )
    # A ledger from before the per-file gate: its loaded files are checked again by the next validate.
    if not has_column(con, "meta", "loaded_files", "gate"):
        con.execute("alter table meta.loaded_files add column gate varchar")
        con.execute(f"update meta.loaded_files set gate = '{GATE_PENDING}' where status = 'loaded'")
    for column in ("gate_checked_at timestamp", "gate_note varchar", "warnings varchar"):
        con.execute(f"alter table meta.loaded_files add column if not exists {column}")
    for schema in sorted({t.raw_schema for t in contract.values()} | {t.gated_schema for t in contract.values()}):
        con.execute(f"create schema if not exists {schema}")
    existing: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
        "select schema_name, table_name, lower(column_name) from duckdb_columns() "
        "where database_name = current_database() and schema_name like 'raw\\_%' escape '\\'"
    ).fetchall():
        existing.setdefault((schema, table), set()).add(column)
    for table in contract.values():
        have = existing.get((table.raw_schema, table.name))
        if have is None:
            cols = [f"{quote_ident(c.name)} {c.duckdb_type}" for c in table.columns]
            cols += [f"{name} {dtype}" for name, dtype in LINEAGE_COLUMNS.items()]
            con.execute(f"create table {table.qualified_name} ({', '.join(cols)})")
            continue
        for c in table.columns:
            if c.name not in have:
                con.execute(f"alter table {table.qualified_name} add column {quote_ident(c.name)} {c.duckdb_type}")
        if "_source_relation" not in have:
            con.execute(
                f"alter table {table.qualified_name} add column _source_relation varchar "
                f"default {quote_literal(DEFAULT_CONNECTION)}"
            )
    for table in contract.values():
        create_gated_view(con, table)


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def has_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? and column_name = ?",
            [schema, table, column],
        ).fetchone()[0]
    )


def create_gated_view(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    # Re-created whenever the raw table gains a column: a DuckDB view binds its columns when created.
    con.execute(gated_view_sql(table.qualified_name, table.gated_name))


# --- row checks (SQL expressions over one all-VARCHAR column) -------------------------------------------


def _value_sql(raw: str) -> str:
    """The raw value as it may appear in a reason: quoted and cut."""
    return f"'''' || left({raw}, {MAX_VALUE_IN_REASON}) || ''''"


@dataclass(frozen=True)
class DateWindow:
    """The dates and timestamps the gate accepts (docs/data_quality.md): none before `earliest`; an event
    timestamp or date not after the load time plus `future_margin`; a planned date (PLANNED_DATES: expected
    close, end of term, quota period) not after the load date plus `planning_horizon`."""

    earliest: date
    latest_event: datetime
    latest_planned: date

    @classmethod
    def from_env(cls, now: datetime) -> DateWindow:
        """SALESMART_EARLIEST_DATE (1970-01-01), SALESMART_MAX_FUTURE_DAYS (1), SALESMART_PLANNING_HORIZON_DAYS
        (3653); ValueError names the variable."""
        env = os.environ
        try:
            earliest = date.fromisoformat(env.get("SALESMART_EARLIEST_DATE") or "1970-01-01")
        except ValueError:
            raise ValueError(
                f"SALESMART_EARLIEST_DATE must be a date YYYY-MM-DD, not {env['SALESMART_EARLIEST_DATE']!r}"
            ) from None
        days = {}
        for name, default in (("SALESMART_MAX_FUTURE_DAYS", 1), ("SALESMART_PLANNING_HORIZON_DAYS", 3653)):
            text = env.get(name) or str(default)
            if not text.isdigit():
                raise ValueError(f"{name} must be a whole number of days, not {text!r}")
            days[name] = int(text)
        return cls(
            earliest=earliest,
            latest_event=now + timedelta(days=days["SALESMART_MAX_FUTURE_DAYS"]),
            latest_planned=now.date() + timedelta(days=days["SALESMART_PLANNING_HORIZON_DAYS"]),
        )


# Dates that lie ahead by design: (table, column) -> checked against DateWindow.latest_planned.
PLANNED_DATES = {
    ("crm.opportunities", "close_date"),
    ("crm.opportunity_history", "close_date"),
    ("crm.subscriptions", "end_date"),
    ("crm.subscriptions", "start_date"),
    ("crm.quotas", "period_month"),
    ("crm.targets", "period_start"),
    ("marketing.campaigns", "start_date"),
    ("marketing.campaigns", "end_date"),
    ("hr.employees", "hire_date"),
    ("hr.employees", "termination_date"),
}

DECIMAL_SCALE = 4  # the contract's decimal(18,4)


def _typed_sql(col: Column, raw: str) -> str:
    """Typed value; null where the raw value does not parse (the check expression tells those apart)."""
    if col.type == "string":
        return raw
    if col.type == "integer":
        # try_cast('1.5' as bigint) rounds, so demand digits first.
        return f"case when regexp_full_match({raw}, '\\s*[+-]?[0-9]+\\s*') then try_cast({raw} as bigint) end"
    if col.type == "decimal":
        # More fractional digits than the contract's scale would be rounded away silently: not a decimal(18,4).
        # (The regex runs only on values with more than DECIMAL_SCALE characters after a '.'.)
        too_fine = (
            f"strpos({raw}, '.') > 0 and length({raw}) - strpos({raw}, '.') > {DECIMAL_SCALE} "
            f"and regexp_matches({raw}, '\\.[0-9]{{{DECIMAL_SCALE}}}0*[1-9]')"
        )
        return f"case when not ({too_fine}) then try_cast({raw} as decimal(18,{DECIMAL_SCALE})) end"
    if col.type == "double":
        return f"try_cast({raw} as double)"
    if col.type == "boolean":
        return (
            f"case lower(trim({raw})) when 'true' then true when '1' then true "
            "when 'false' then false when '0' then false end"
        )
    if col.type == "date":
        # try_cast alone accepts '2026-2-3' and '2026-02-03 10:00'; the contract says YYYY-MM-DD.
        iso_date = "'[0-9]{4}-[0-9]{2}-[0-9]{2}'"
        return f"case when regexp_full_match({raw}, {iso_date}) then try_cast({raw} as date) end"
    if col.type == "timestamp":
        # Session TimeZone is UTC: an offset is converted, no offset means UTC. An ISO 8601 value starts with
        # a digit; DuckDB's cast also takes words ('infinity', 'epoch'), kept out here (cheaper than a regex).
        return f"case when ascii({raw}) between 48 and 57 then cast(try_cast({raw} as timestamptz) as timestamp) end"
    raise ValueError(f"unknown contract type {col.type!r}")


def _checks(col: Column, raw: str, typed: str, window: DateWindow, planned: bool) -> list[tuple[str, str]]:
    """(condition that makes the row invalid, SQL text of the reason) for one column.

    raw is the VARCHAR value (empty = null), typed its parsed value (null where it does not parse).
    """
    checks: list[tuple[str, str]] = []
    if col.required:
        checks.append((f"{raw} is null", quote_literal("required value is missing")))
        # Blank or the text NULL: no value either. The cheap tests first (trim and upper cost on every row).
        checks.append(
            (f"ascii({raw}) in (9, 10, 13, 32) and trim({raw}) = ''", quote_literal("required value is blank"))
        )
        checks.append(
            (
                f"length({raw}) = 4 and upper({raw}) = 'NULL'",
                quote_literal("required value is the text 'NULL' (an empty field is null)"),
            )
        )
    if col.type != "string":
        checks.append(
            (
                f"({raw} is not null and {typed} is null)",
                f"{_value_sql(raw)} || {quote_literal(' ' + _EXPECTED[col.type])}",
            )
        )
    if col.type in ("date", "timestamp"):
        latest = window.latest_planned if planned else window.latest_event
        if col.type == "date" and not planned:
            latest = latest.date()
        latest_text = latest.isoformat(sep=" ") if isinstance(latest, datetime) else latest.isoformat()
        what = "the planning horizon" if planned else "the load time plus the future margin"
        checks.append(
            (
                f"({typed} < {quote_literal(window.earliest.isoformat())}::date)",
                f"{_value_sql(raw)} || {quote_literal(f' is before {window.earliest} (SALESMART_EARLIEST_DATE)')}",
            )
        )
        knob = "SALESMART_PLANNING_HORIZON_DAYS" if planned else "SALESMART_MAX_FUTURE_DAYS"
        checks.append(
            (
                f"({typed} > {quote_literal(latest_text)}::{col.duckdb_type})",
                f"{_value_sql(raw)} || {quote_literal(f' is after {what}, {latest_text} ({knob})')}",
            )
        )
    if col.name == "currency_code":
        # A lowercase code passes a join nowhere (fx_rates are upper case): reject rather than change it.
        checks.append(
            (
                f"({raw} is not null and not regexp_full_match({raw}, '[A-Z]{{3}}'))",
                f"{_value_sql(raw)} || {quote_literal(' is not an ISO 4217 currency code (three capital letters)')}",
            )
        )
    if col.accepted:
        values = ", ".join(quote_literal(v) for v in col.accepted)
        accepted = f" is not an accepted value ({', '.join(col.accepted)})"
        checks.append(
            (
                f"({raw} is not null and {raw} not in ({values}))",
                f"{_value_sql(raw)} || {quote_literal(accepted)}",
            )
        )
    # A condition over a null value is null, and `not (... or null)` would drop the row without a reason.
    return [(f"coalesce({condition}, false)", reason) for condition, reason in checks]


_EXPECTED = {
    "integer": "is not a valid integer",
    "decimal": f"is not a valid decimal(18,{DECIMAL_SCALE}) (at most {DECIMAL_SCALE} decimal places)",
    "double": "is not a valid number",
    "boolean": "is not a valid boolean (expected true/false/1/0)",
    "date": "is not a valid date (expected YYYY-MM-DD)",
    "timestamp": "is not a valid timestamp (expected ISO 8601)",
}


# --- reading --------------------------------------------------------------------------------------------


def _csv_header(path: Path, source_file: str) -> list[str]:
    """Header names, parsed with the contract's dialect (comma, RFC 4180 quotes, UTF-8, optional BOM)."""
    if path.stat().st_size == 0:
        raise FileRejected(f"{source_file}: file is empty (0 bytes); expected a CSV header row")
    # Read only the header record (a quoted name may span lines), so a bad byte further down is
    # reported by DuckDB with its line number rather than here.
    head = b""
    with path.open("rb") as fh:
        for line in fh:
            head += line
            if head.count(b'"') % 2 == 0:
                break
            if len(head) > MAX_HEADER_BYTES:
                raise FileRejected(f"{source_file}: header has an unterminated quote")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"{source_file}: header is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        raise FileRejected(f"{source_file}: header cannot be parsed as CSV: {exc}") from None
    if not header:
        raise FileRejected(f"{source_file}: first line is blank; expected a CSV header row")
    if len(header) == 1:
        for delim in (";", "\t", "|"):
            if delim in header[0]:
                raise FileRejected(
                    f"{source_file}: header is a single column {header[0][:80]!r}; "
                    f"the delimiter must be ',' (found {delim!r})"
                )
    return [h.strip() for h in header]


def _duckdb_reason(exc: Exception, path: Path, source_file: str) -> str:
    """DuckDB's message without the offending line's content (it may hold PII), the hints and the SQL."""
    kept = []
    in_original = False
    for line in str(exc).replace(str(path), source_file).splitlines():
        line = line.strip()
        if line.startswith(("Possible", "* ", "file =", "LINE ")) or "=" in line and "(Set By" in line:
            break
        # "Original Line: ..." is followed by the record's other lines when an open quote spans several, then
        # by DuckDB's explanation; record lines hold the ',' delimiter, the explanations do not.
        if line.startswith("Original Line"):
            in_original = True
            continue
        if not line:
            in_original = False
            continue
        if in_original and "," in line:
            continue
        for prefix in ("Invalid Input Error: ", "IO Error: ", "Invalid Error: "):
            line = line.removeprefix(prefix)
        kept.append(line)
    return "; ".join(kept) or type(exc).__name__


def _map_columns(table: Table, names: list[str], source_file: str) -> tuple[dict[str, int], dict[str, int]]:
    """(contract column -> index in file, extra column -> index in file), names matched case-insensitively."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name.strip().lower()
        if not key:
            raise FileRejected(f"{source_file}: column {i + 1} of the header has no name")
        if key in seen:
            raise FileRejected(f"{source_file}: column {name!r} appears twice (names are matched case-insensitively)")
        if key in LINEAGE_COLUMNS:
            raise FileRejected(f"{source_file}: column {name!r} is reserved for lineage")
        seen[key] = i
    contract_cols = {c.name: seen[c.name] for c in table.columns if c.name in seen}
    missing = [c.name for c in table.columns if c.required and c.name not in seen]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise FileRejected(f"{source_file}: missing required column{plural} {', '.join(missing)}")
    known = set(table.column_names)
    extras = {key: i for key, i in seen.items() if key not in known}
    return contract_cols, extras


def _header_warnings(table: Table, names: list[str], source_file: str) -> tuple[str, ...]:
    """A header that is not in the contract but close to a contract column the file lacks is most likely that
    column misspelt: its values land as a passthrough column and the real column is null. Say so."""
    contract_cols, extras = _map_columns(table, names, source_file)
    absent = [c for c in table.column_names if c not in contract_cols]
    warnings = []
    for extra, i in extras.items():
        close = difflib.get_close_matches(extra, absent, n=1, cutoff=0.8)
        if close:
            warnings.append(
                f"{source_file}: column {names[i]!r} is not in the contract (kept as an extra column) and contract "
                f"column {close[0]!r} is missing: misspelt? {close[0]!r} is null in every row of this file"
            )
    return tuple(warnings)


# --- loading one file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lineage:
    batch_id: int
    file_id: int
    source_file: str
    sha256: str
    loaded_at: datetime
    source_relation: str


def _stage_rows(con: duckdb.DuckDBPyConnection, path: Path, table: Table, source_file: str) -> tuple[list[str], int]:
    """Read the file into temp table _rows (all VARCHAR, columns c0..cN in file order).

    Returns the header names and the offset from rowid to the line number (CSV: header is line 1;
    Parquet: 1-based row number; a CSV record with a quoted line break counts as one line). A parallel
    CTAS keeps file order, so rowid is the record number; it must run in autocommit (rowids of
    uncommitted rows are offset).
    """
    con.execute("drop table if exists _rows")
    if path.suffix.lower() == ".csv":
        names = _csv_header(path, source_file)
        _map_columns(table, names, source_file)  # reject before reading the body
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
        try:
            con.execute(
                "create temp table _rows as select * from read_csv(?, header = true, auto_detect = false, "
                f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', "
                "strict_mode = true, null_padding = false, ignore_errors = false)",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise FileRejected(
                f"{source_file}: cannot be read as CSV: {_duckdb_reason(exc, path, source_file)}"
            ) from None
        return names, 2
    if path.stat().st_size == 0:
        raise FileRejected(f"{source_file}: file is empty (0 bytes); expected a Parquet file")
    try:
        names = [r[0] for r in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        _map_columns(table, names, source_file)
        select = ", ".join(f"cast({quote_ident(n)} as varchar) as c{i}" for i, n in enumerate(names))
        con.execute(f"create temp table _rows as select {select} from read_parquet(?)", [str(path)])
    except duckdb.Error as exc:
        raise FileRejected(
            f"{source_file}: cannot be read as Parquet: {_duckdb_reason(exc, path, source_file)}"
        ) from None
    return names, 1


def _land_file(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lineage: _Lineage,
    names: list[str],
    line_offset: int,
    window: DateWindow,
) -> tuple[int, int, int]:
    """Check and insert the staged rows (_rows) inside the caller's transaction.

    Returns (rows read, rows loaded, rows rejected).
    """
    contract_cols, extras = _map_columns(table, names, lineage.source_file)

    # Extra columns are kept as VARCHAR; add the ones the raw table does not have yet.
    have = {
        r[0]
        for r in con.execute(
            "select lower(column_name) from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [table.raw_schema, table.name],
        ).fetchall()
    }
    new_columns = [key for key in extras if key not in have]
    for key in new_columns:
        con.execute(f"alter table {table.qualified_name} add column {quote_ident(key)} varchar")
    if new_columns:
        create_gated_view(con, table)

    # One subquery parses every column once (r_i raw, t_i typed); the checks and the insert read it.
    parsed = [f"rowid + {line_offset} as _line"]
    for name, i in contract_cols.items():
        parsed += [f"nullif(c{i}, '') as r{i}", f"{_typed_sql(table.column(name), f'r{i}')} as t{i}"]
    parsed += [f"nullif(c{i}, '') as r{i}" for i in extras.values()]
    parsed_sql = f"(select {', '.join(parsed)} from _rows)"
    checks = [
        (col.name, cond, reason)
        for col in table.columns
        if col.name in contract_cols
        for cond, reason in _checks(
            col,
            f"r{contract_cols[col.name]}",
            f"t{contract_cols[col.name]}",
            window,
            (f"{table.system}.{table.name}", col.name) in PLANNED_DATES,
        )
    ]
    invalid = " or ".join(cond for _, cond, _ in checks) or "false"

    target_cols = [quote_ident(n) for n in contract_cols] + [quote_ident(k) for k in extras]
    values = [f"t{i}" for i in contract_cols.values()] + [f"r{i}" for i in extras.values()]
    values += ["?", "?", "?", "?", "?", "_line", "?"]
    params = [
        lineage.batch_id,
        lineage.source_file,
        lineage.sha256,
        lineage.loaded_at,
        lineage.file_id,
        lineage.source_relation,
    ]
    # Without this DuckDB pushes the checks below the projection and parses every value twice.
    con.execute("set disabled_optimizers = 'filter_pushdown'")
    rows_loaded = con.execute(
        f"insert into {table.qualified_name} ({', '.join(target_cols + list(LINEAGE_COLUMNS))}) "
        f"select {', '.join(values)} from {parsed_sql} where not ({invalid})",
        params,
    ).fetchone()[0]
    rows_read = con.execute("select count(*) from _rows").fetchone()[0]

    rows_rejected = rows_read - rows_loaded
    if rows_rejected:
        record = "json_object(" + ", ".join(f"{quote_literal(n)}, c{i}" for i, n in enumerate(names)) + ")"
        failures = ", ".join(
            f"case when {cond} then {{'column_name': {quote_literal(name)}, 'reason': {reason}}} end"
            for name, cond, reason in checks
        )
        con.execute(
            "insert into meta.rejected_rows "
            "select ?, ?, ?, _line, failure.column_name, failure.reason, raw_record from ("
            "    select _line, raw_record,"
            f"        unnest(list_filter([{failures}], lambda x: x is not null)) as failure"
            f"    from (select {', '.join(parsed)}, {record} as raw_record from _rows) where {invalid}"
            ") order by _line, failure.column_name",
            [lineage.file_id, lineage.batch_id, lineage.source_file],
        )
    con.execute("reset disabled_optimizers")
    return rows_read, rows_loaded, rows_rejected


# --- walking the landing --------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _landing_files(directory: Path) -> list[Path]:
    """Every entry under a directory that is not a directory to descend (recursive, sorted): regular files,
    symlinks, FIFOs and devices alike, and hidden directories as one entry each (not descended), so nothing
    is passed over without a record (_unreadable_reason says why it is not loaded)."""
    found = []
    for root, dirs, files in os.walk(directory):
        # os.walk does not follow a link to a directory; it is listed like a hidden directory, as one entry.
        kept = [d for d in dirs if not d.startswith(".") and not (Path(root) / d).is_symlink()]
        found += [Path(root) / name for name in [*files, *(d for d in dirs if d not in kept)]]
        dirs[:] = sorted(kept)
    return sorted(found)


def _display_path(path: Path, landing: Path) -> str:
    """The path relative to the landing as text that can be printed and stored: bytes of a name that are not
    UTF-8 are shown as \\xNN escapes."""
    rel = os.fsencode(path.relative_to(landing).as_posix())
    return rel.decode("utf-8", errors="backslashreplace")


def _unreadable_reason(path: Path, landing: Path) -> str | None:
    """Why a landing entry is not loaded (it is then recorded as rejected), or None for a file to load."""
    rel = path.relative_to(landing)
    if any(part.startswith(".") for part in rel.parts):
        kind = "directory" if path.is_dir() else "file"
        return f"hidden {kind} (a name starting with '.'); not loaded: rename it to load it"
    try:
        os.fsencode(str(rel)).decode("utf-8")
    except UnicodeDecodeError:
        return "file name is not valid UTF-8; rename it"
    if path.is_symlink():
        if path.is_dir():
            return "symbolic link to a directory; not followed"
        if not path.resolve().is_relative_to(landing.resolve()):
            return "symbolic link to a file outside the landing; not followed"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); not read"
    return None


@dataclass(frozen=True)
class _Planned:
    path: Path
    table: Table | None
    source_relation: str
    error: str | None  # the reason the file is rejected unread


def _plan_table_dir(landing: Path, directory: Path, table: Table, source_relation: str) -> list[_Planned]:
    """The files of one <table>/ folder: directly inside, csv or parquet."""
    planned = []
    dir_rel = _display_path(directory, landing)
    for p in _landing_files(directory):
        p_rel = _display_path(p, landing)
        if p.parent != directory:
            error = f"{p_rel}: nested directory; files go directly in {dir_rel}/"
        elif p.suffix.lower() not in FILE_TYPES:
            error = f"{p_rel}: unsupported file type {p.suffix!r} (expected .csv or .parquet)"
        else:
            error = None
        planned.append(_Planned(p, table, source_relation, error))
    return planned


def _connection_error(name: str) -> str | None:
    if name == DEFAULT_CONNECTION:
        return f"connection name {name!r} is reserved for the single-connection layout crm/<table>/"
    if not CONNECTION_NAME.fullmatch(name):
        return f"bad CRM connection name {name!r}: use lowercase letters, digits and underscores"
    return None


def _plan_system_dir(
    landing: Path, directory: Path, system: str, contract: dict[str, Table], source_relation: str
) -> list[_Planned]:
    """The <table>/ folders of a system folder (or of a CRM connection folder)."""
    planned = []
    for sub in sorted(directory.iterdir()):
        sub_rel = _display_path(sub, landing)
        if sub.name.startswith(".") or not sub.is_dir():
            planned.append(_Planned(sub, None, source_relation, f"{sub_rel}: not in a <system>/<table>/ directory"))
            continue
        table = contract.get(f"{system}.{sub.name.lower()}")
        if table is not None:
            planned += _plan_table_dir(landing, sub, table, source_relation)
            continue
        unknown = f"unknown table {sub.name!r} for system {system!r} (not in the raw contract)"
        if system not in multi_connection_systems() or source_relation != DEFAULT_CONNECTION:
            planned += [
                _Planned(p, None, source_relation, f"{_display_path(p, landing)}: {unknown}")
                for p in _landing_files(sub)
            ]
            continue
        # crm/<name>/ that is not a table: a connection folder holding <table>/ folders.
        connection_error = _connection_error(sub.name)
        if connection_error is None:
            inner = _plan_system_dir(landing, sub, system, contract, sub.name)
        else:
            inner = [
                _Planned(f, None, sub.name, f"{_display_path(f, landing)}: {connection_error}")
                for f in _landing_files(sub)
            ]
        # A file directly in crm/<name>/ was meant for a table called <name>.
        planned += [
            replace(e, table=None, error=f"{_display_path(e.path, landing)}: {unknown}") if e.path.parent == sub else e
            for e in inner
        ]
    return planned


def _plan(landing: Path) -> list[_Planned]:
    """Every file of the landing in load order, with its table and connection or the reason it is rejected."""
    contract = load_contract()
    systems = sorted({t.system for t in contract.values()})
    plan: list[_Planned] = []
    for entry in sorted(landing.iterdir()):
        rel = _display_path(entry, landing)
        if entry.name.startswith(".") or not entry.is_dir():
            plan.append(_Planned(entry, None, DEFAULT_CONNECTION, f"{rel}: not in a <system>/<table>/ directory"))
            continue
        system = entry.name.lower()
        if system not in systems:
            contract_systems = sorted({t.system for t in contract_tables().values()})
            reason = (
                f"unknown system {entry.name!r} (contract systems: {', '.join(contract_systems)}; "
                f"connector CRMs: {', '.join(sorted(connector_systems()))})"
            )
            plan += [
                _Planned(p, None, DEFAULT_CONNECTION, f"{_display_path(p, landing)}: {reason}")
                for p in _landing_files(entry)
            ]
            continue
        plan += _plan_system_dir(landing, entry, system, contract, DEFAULT_CONNECTION)
    # What cannot be read (hidden, not UTF-8, a link out of the landing, not a regular file) says so first.
    for i, planned in enumerate(plan):
        reason = _unreadable_reason(planned.path, landing)
        if reason is not None:
            plan[i] = replace(planned, error=f"{_display_path(planned.path, landing)}: {reason}")
    return plan


def _record_file(con: duckdb.DuckDBPyConnection, result: FileResult, batch_id: int, loaded_at: datetime) -> None:
    con.execute(
        "insert into meta.loaded_files (file_id, batch_id, system, table_name, source_file, file_sha256, rows_read, "
        "rows_loaded, rows_rejected, status, error, loaded_at, source_relation, gate, warnings) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.file_id,
            batch_id,
            result.system,
            result.table_name,
            result.source_file,
            result.file_sha256,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.status,
            result.error,
            loaded_at,
            result.source_relation,
            GATE_PENDING if result.status == "loaded" else None,
            "; ".join(result.warnings) or None,
        ],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _process_file(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    planned: _Planned,
    batch_id: int,
    file_id: int,
    loaded_hashes: dict[tuple[str, str], str],
    window: DateWindow,
) -> FileResult:
    """Skip, reject or land one file; its meta.loaded_files row commits with its data or alone.

    The same content in two CRM connections is two files (each connection's rows), not a re-send.
    """
    path, table = planned.path, planned.table
    source_file = _display_path(path, landing)
    # A FIFO would block the read, and a hidden directory or a dangling link has no content.
    sha = _sha256(path) if planned.error is None else None
    loaded_at = _now()
    base = {
        "file_id": file_id,
        "source_file": source_file,
        "system": table.system if table else None,
        "table_name": table.name if table else None,
        "file_sha256": sha,
        "source_relation": planned.source_relation,
    }
    seen_as = loaded_hashes.get((planned.source_relation, sha))
    if planned.error is not None:
        res = FileResult(**base, status="rejected", error=planned.error)
    elif seen_as is not None:
        res = FileResult(**base, status="skipped", error=f"same content already loaded from {seen_as}")
    else:
        try:
            names, line_offset = _stage_rows(con, path, table, source_file)
        except FileRejected as exc:
            res = FileResult(**base, status="rejected", error=str(exc))
        else:
            con.execute("begin transaction")
            try:
                lineage = _Lineage(batch_id, file_id, source_file, sha, loaded_at, planned.source_relation)
                read, loaded, rejected = _land_file(con, table, lineage, names, line_offset, window)
                res = FileResult(
                    **base,
                    status="loaded",
                    rows_read=read,
                    rows_loaded=loaded,
                    rows_rejected=rejected,
                    warnings=_header_warnings(table, names, source_file),
                )
                _record_file(con, res, batch_id, loaded_at)
                con.execute("commit")
                return res
            except FileRejected as exc:
                con.execute("rollback")
                res = FileResult(**base, status="rejected", error=str(exc))
            except BaseException:
                con.execute("rollback")
                raise
            finally:
                con.execute("reset disabled_optimizers")
                con.execute("drop table if exists _rows")
    _record_file(con, res, batch_id, loaded_at)
    return res


def load_landing(
    db_path: Path,
    landing: Path,
    *,
    on_file: Callable[[FileResult, int, int], None] | None = None,
    window: DateWindow | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> LoadResult:
    """Land every new file of the landing into raw_<system>.<table>; one batch per call.

    A file whose sha256 was already loaded is skipped, so re-running adds no rows. Loaded files wait for
    `validate` (meta.loaded_files.gate = 'pending'). `window` bounds dates and timestamps (default: from the
    environment, relative to now). on_file(result, files_done, files_total) is called after each file.
    """
    started = time.perf_counter()
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing directory {landing} does not exist")
    window = window or DateWindow.from_env(_now())
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        limit_memory(con, memory_limit)
        # Timestamps with an offset are converted to UTC by casting through TIMESTAMPTZ in this zone.
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")  # the CLI shows its own progress
        con.execute("begin transaction")  # one commit for the 34 tables, not one each
        ensure_raw_tables(con, landed_connector_tables(landing))
        con.execute("commit")
        # The run lock is ours: a batch still `running` belongs to a killed load (its committed files are
        # whole and wait for validate like any other).
        con.execute("update meta.load_batches set status = 'interrupted' where status = 'running'")
        batch_id = con.execute("select coalesce(max(batch_id), 0) + 1 from meta.load_batches").fetchone()[0]
        (next_file_id,) = con.execute("select coalesce(max(file_id), 0) + 1 from meta.loaded_files").fetchone()
        con.execute(
            "insert into meta.load_batches (batch_id, landing, started_at, status) values (?, ?, ?, 'running')",
            [batch_id, str(landing.resolve()), _now()],
        )
        loaded_hashes = {
            (source_relation, sha): source_file
            for source_relation, sha, source_file in con.execute(
                "select source_relation, file_sha256, min_by(source_file, file_id) from meta.loaded_files "
                "where status = 'loaded' group by source_relation, file_sha256"
            ).fetchall()
        }
        result = LoadResult(batch_id=batch_id)
        try:
            _load_planned(con, landing, batch_id, next_file_id, loaded_hashes, window, result, on_file)
        except BaseException:
            # Each file committed with its rows or not at all; the batch says it did not finish.
            con.execute(
                "update meta.load_batches set finished_at = ?, status = 'failed' where batch_id = ?",
                [
                    _now(),
                    batch_id,
                ],
            )
            raise
        result.seconds = time.perf_counter() - started
        return result
    finally:
        con.close()


def _load_planned(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    batch_id: int,
    next_file_id: int,
    loaded_hashes: dict[tuple[str, str], str],
    window: DateWindow,
    result: LoadResult,
    on_file: Callable[[FileResult, int, int], None] | None,
) -> None:
    """Process every planned file of the landing, then close the batch as completed."""
    plan = _plan(landing)
    for planned in plan:
        res = _process_file(con, landing, planned, batch_id, next_file_id, loaded_hashes, window)
        next_file_id += 1
        if res.status == "loaded":
            loaded_hashes[(res.source_relation, res.file_sha256)] = res.source_file
        result.files.append(res)
        if on_file is not None:
            on_file(res, len(result.files), len(plan))
    con.execute(
        "update meta.load_batches set finished_at = ?, status = 'completed', files_seen = ?, "
        "files_loaded = ?, files_skipped = ?, files_rejected = ?, rows_read = ?, rows_loaded = ?, "
        "rows_rejected = ? where batch_id = ?",
        [
            _now(),
            len(result.files),
            result.files_loaded,
            result.files_skipped,
            result.files_rejected,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            batch_id,
        ],
    )
