"""Blue/green publish: copy the tested marts of build.duckdb into a new file, then swap it in atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from salesmart.config import Settings
from salesmart.load import quote_ident

PUBLISHED_SCHEMA = "marts"
TMP_PREFIX = ".salesmart-publish-"


class PublishError(RuntimeError):
    """Nothing was published; the previous published file is untouched."""


def _marts_relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables and views of schema marts in the attached build database, by name."""
    rows = con.execute(
        """
        select table_name from duckdb_tables()
        where database_name = 'build' and schema_name = ?
        union
        select view_name from duckdb_views()
        where database_name = 'build' and schema_name = ? and not internal
        order by 1
        """,
        [PUBLISHED_SCHEMA, PUBLISHED_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def _copy_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    # Views become tables: the published file must not depend on staging/intermediate.
    ident = quote_ident(name)
    con.execute(f"create table {PUBLISHED_SCHEMA}.{ident} as select * from build.{PUBLISHED_SCHEMA}.{ident}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def publish(settings: Settings) -> Path:
    """Replace <home>/salesmart.duckdb with a copy of build.duckdb's marts; returns the published path.

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
    # Same directory as the target, so os.replace is a rename within one file system.
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".duckdb", dir=settings.home)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # duckdb creates the file itself; the unique name is what we needed
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("attach ? as build (read_only)", [str(build_db)])
            names = _marts_relations(con)
            if not names:
                raise PublishError(f"{build_db} has no schema {PUBLISHED_SCHEMA} tables: nothing to publish")
            con.execute(f"create schema {PUBLISHED_SCHEMA}")
            for name in names:
                _copy_relation(con, name)
            con.execute("detach build")
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(settings.home)  # make the rename itself durable
    except BaseException:
        _remove(tmp)
        raise
    return target


def published_tables(path: Path) -> list[str]:
    """Names of the tables in the published file's marts schema."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1", [PUBLISHED_SCHEMA]
        ).fetchall()
    return [name for (name,) in rows]
