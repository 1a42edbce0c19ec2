"""Blue/green publish: the tested marts of build.duckdb go into a new file, which is then swapped in atomically.

Two ways to make the new file (docs/architecture.md "Publish"), the same result:
- whole: every marts relation of build.duckdb copied into an empty file (the first publish, or whenever the
  ledger below cannot vouch for the published file);
- update: a copy of the published file, in which only what dbt wrote since the last publish is replaced.
  dbt records each write to schema marts in build.duckdb's meta.marts_writes (macros/publish/
  marts_write_ledger.sql): tables rebuilt whole are copied whole unless their rows hash the same as the
  published ones, incremental models replace only the keys their run replaced, the rest stays as published.
  Row counts and column lists are compared for every table, so a table whose count or columns differ from
  the build's is copied whole all the same.
Either way the old file stays in place, untouched, until os.replace swaps the new one in.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from salesmart.config import Settings, limit_memory
from salesmart.load import has_table, quote_ident

PUBLISHED_SCHEMA = "marts"
TMP_PREFIX = ".salesmart-publish-"
# Rewrite the file whole instead of updating a copy once it has grown past this many times its size when last
# written whole (space freed by replaced rows is reused, but never given back).
MAX_GROWTH = 2.0


class PublishError(RuntimeError):
    """Nothing was published; the previous published file is untouched."""


@dataclass
class PublishResult:
    path: Path
    mode: str  # "whole" or "update"
    copied: list[str] = field(default_factory=list)  # tables copied whole
    updated: dict[str, int] = field(default_factory=dict)  # table -> keys replaced
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    reason: str = ""  # why the file was written whole


@dataclass
class _Ledger:
    """What the build database says was written to marts since the last publish."""

    full: set[str] = field(default_factory=set)
    delta: dict[str, str] = field(default_factory=dict)  # table -> key column
    published: tuple[int, int] | None = None  # (size, mtime_ns) of the file it is relative to
    compact_size: int = 0


def _marts_relations(con: duckdb.DuckDBPyConnection, database: str = "build") -> dict[str, str]:
    """Tables and views of schema marts in an attached database: name -> 'table' or 'view'."""
    rows = con.execute(
        """
        select table_name, 'table' from duckdb_tables()
        where database_name = ? and schema_name = ?
        union all
        select view_name, 'view' from duckdb_views()
        where database_name = ? and schema_name = ? and not internal
        order by 1
        """,
        [database, PUBLISHED_SCHEMA, database, PUBLISHED_SCHEMA],
    ).fetchall()
    return dict(rows)


def _copy_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    # Views become tables: the published file must not depend on staging/intermediate.
    ident = quote_ident(name)
    con.execute(f"create table {PUBLISHED_SCHEMA}.{ident} as select * from build.{PUBLISHED_SCHEMA}.{ident}")


def _columns(con: duckdb.DuckDBPyConnection, database: str, name: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, PUBLISHED_SCHEMA, name],
    ).fetchall()


def _count(con: duckdb.DuckDBPyConnection, database: str, name: str) -> int:
    (rows,) = con.execute(f"select count(*) from {database}.{PUBLISHED_SCHEMA}.{quote_ident(name)}").fetchone()
    return int(rows)


def _replace_keys(con: duckdb.DuckDBPyConnection, name: str, key: str) -> int:
    """Replace the rows of the keys dbt's incremental runs replaced in build (meta.marts_write_keys)."""
    ident, key_ident = quote_ident(name), quote_ident(key)
    con.execute(
        "create or replace temp table publish_keys as select distinct key_value from build.meta.marts_write_keys "
        "where table_name = ?",
        [name],
    )
    condition = f"cast({key_ident} as varchar) in (select key_value from publish_keys)"
    con.execute(f"delete from {PUBLISHED_SCHEMA}.{ident} where {condition}")
    con.execute(
        f"insert into {PUBLISHED_SCHEMA}.{ident} select * from build.{PUBLISHED_SCHEMA}.{ident} where {condition}"
    )
    (keys,) = con.execute("select count(*) from publish_keys").fetchone()
    con.execute("drop table publish_keys")
    return int(keys)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _spill_dir(path: Path) -> Path:
    """Where the publish of `path` spills beyond the memory limit (DuckDB's own naming for a file's spill)."""
    return path.with_name(path.name + ".tmp")


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)
    shutil.rmtree(_spill_dir(path), ignore_errors=True)


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns)


def _read_ledger(build_db: Path) -> _Ledger | None:
    """The ledger of build.duckdb, or None when it has none (built without salesmart's meta tables)."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        if not all(has_table(con, "meta", t) for t in ("marts_writes", "marts_write_keys", "published_file")):
            return None
        ledger = _Ledger()
        for table_name, kind, key_column in con.execute(
            "select table_name, kind, key_column from meta.marts_writes"
        ).fetchall():
            if kind == "delta" and key_column:
                ledger.delta.setdefault(table_name, key_column)
            else:
                ledger.full.add(table_name)
        row = con.execute("select file_size, file_mtime_ns, compact_size from meta.published_file").fetchone()
        if row is not None:
            ledger.published = (int(row[0]), int(row[1]))
            ledger.compact_size = int(row[2] or 0)
    return ledger


def _why_whole(ledger: _Ledger | None, target: Path) -> str:
    """Why the published file cannot be updated ('' when it can)."""
    if not target.exists():
        return "no published file yet"
    if ledger is None:
        return "build.duckdb has no marts write ledger"
    if ledger.published is None:
        return "no publish recorded in build.duckdb"
    if target.with_name(target.name + ".wal").exists() or _identity(target) != ledger.published:
        return f"{target.name} is not the file the last publish wrote"
    if ledger.compact_size and target.stat().st_size > MAX_GROWTH * ledger.compact_size:
        return f"{target.name} has grown past {MAX_GROWTH:g} times its size when last written whole"
    return ""


def _write_whole(con: duckdb.DuckDBPyConnection, names: dict[str, str], result: PublishResult) -> None:
    con.execute(f"create schema {PUBLISHED_SCHEMA}")
    for name in names:
        _copy_relation(con, name)
        result.copied.append(name)


def _same_rows(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether build's and the copy's table hold the same rows: count, and sum and xor of the rows' hashes.

    Reading is cheaper than writing: a scale-1 table rebuilt with the same rows (dimensions and facts of
    systems without new files, rebuilt by every daily build) is hashed in a tenth of the time a copy takes.
    """
    query = "select count(*), sum(hash(t)::hugeint), bit_xor(hash(t)) from {}.{}.{} as t"
    ident = quote_ident(name)
    build = con.execute(query.format("build", PUBLISHED_SCHEMA, ident)).fetchone()
    return build == con.execute(query.format("published", PUBLISHED_SCHEMA, ident)).fetchone()


def _update(con: duckdb.DuckDBPyConnection, names: dict[str, str], ledger: _Ledger, result: PublishResult) -> None:
    """Make the copy's marts equal to build's marts, touching only what differs."""
    published = _marts_relations(con, "published")
    for name in sorted(set(published) - set(names)):
        con.execute(f"drop {'view' if published[name] == 'view' else 'table'} {PUBLISHED_SCHEMA}.{quote_ident(name)}")
        result.dropped.append(name)
    for name, kind in names.items():
        # A view's rows follow its inputs (no ledger entry says when they change): always copied.
        whole = (
            kind == "view"
            or published.get(name) != "table"
            or _columns(con, "build", name) != _columns(con, "published", name)
        )
        if not whole and name in ledger.full:
            whole = not _same_rows(con, name)
        elif not whole and name in ledger.delta:
            result.updated[name] = _replace_keys(con, name, ledger.delta[name])
        # A count that differs means a write the ledger does not show (post-hooks only delete; a table written
        # by hand): copy whole.
        if not whole and _count(con, "published", name) != _count(con, "build", name):
            result.updated.pop(name, None)
            whole = True
        if whole:
            if name in published:
                con.execute(f"drop table if exists {PUBLISHED_SCHEMA}.{quote_ident(name)}")
            _copy_relation(con, name)
            result.copied.append(name)
        elif name not in result.updated:
            result.unchanged.append(name)


def _record_publish(build_db: Path, target: Path, whole: bool) -> None:
    """Clear the ledger and record the file just published (a failure only makes the next publish whole)."""
    size, mtime_ns = _identity(target)
    with duckdb.connect(str(build_db)) as con:
        if not has_table(con, "meta", "published_file"):
            return
        con.execute("begin transaction")
        compact = size if whole else con.execute("select max(compact_size) from meta.published_file").fetchone()[0]
        con.execute("delete from meta.marts_writes")
        con.execute("delete from meta.marts_write_keys")
        con.execute("delete from meta.published_file")
        con.execute(
            "insert into meta.published_file values (?, ?, ?, current_timestamp)",
            [size, mtime_ns, compact or size],
        )
        con.execute("commit")


def publish(settings: Settings) -> Path:
    """Replace <home>/salesmart.duckdb with a file holding build.duckdb's marts; returns the published path."""
    return publish_marts(settings).path


def publish_marts(settings: Settings) -> PublishResult:
    """Replace <home>/salesmart.duckdb with a file holding build.duckdb's marts; returns what was done.

    Readers of the old file keep their open handle (os.replace swaps the directory entry), and any
    failure before the swap leaves the old file as it was.
    """
    build_db, target = settings.build_db, settings.published_db
    if not build_db.exists():
        raise PublishError(f"no build to publish: {build_db} does not exist (run `salesmart build` first)")
    settings.home.mkdir(parents=True, exist_ok=True)
    # A publish killed before its rename leaves its temp file behind; callers hold the run lock, so any
    # temp file found now is such a leftover, never a concurrent publish.
    for leftover in settings.home.glob(f"{TMP_PREFIX}*.duckdb"):
        _remove(leftover)
    for spill in settings.home.glob(f"{TMP_PREFIX}*.duckdb.tmp"):  # killed between the rename and its removal
        shutil.rmtree(spill, ignore_errors=True)
    ledger = _read_ledger(build_db)
    reason = _why_whole(ledger, target)
    # Same directory as the target, so os.replace is a rename within one file system.
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".duckdb", dir=settings.home)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # duckdb creates the file itself (or the copy below does); the unique name is what we needed
    result = PublishResult(target, "whole" if reason else "update", reason=reason)
    try:
        if result.mode == "update":
            shutil.copyfile(target, tmp)
        con = duckdb.connect()
        try:
            # an in-memory database spills to ./.tmp by default: spill next to the file being written instead
            limit_memory(con, settings.memory_limit, temp_directory=_spill_dir(tmp))
            con.execute("attach ? as published", [str(tmp)])
            con.execute("attach ? as build (read_only)", [str(build_db)])
            con.execute("use published")
            names = _marts_relations(con)
            if not names:
                raise PublishError(f"{build_db} has no schema {PUBLISHED_SCHEMA} tables: nothing to publish")
            if result.mode == "update":
                assert ledger is not None
                _update(con, names, ledger, result)
            else:
                _write_whole(con, names, result)
            con.execute("detach build")
            con.execute("checkpoint published")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(settings.home)  # make the rename itself durable
        shutil.rmtree(_spill_dir(tmp), ignore_errors=True)
    except BaseException:
        _remove(tmp)
        raise
    # The published file is in place. If build.duckdb cannot be opened for writing now (a reader holds it), the
    # next publish finds no record of this file and writes it whole.
    with contextlib.suppress(duckdb.IOException):
        _record_publish(build_db, target, result.mode == "whole")
    return result


def published_tables(path: Path) -> list[str]:
    """Names of the tables in the published file's marts schema."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1", [PUBLISHED_SCHEMA]
        ).fetchall()
    return [name for (name,) in rows]
