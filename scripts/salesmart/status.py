"""`salesmart status`: last runs, batches, files the gate holds, rejected files and rows, rows awaiting
their parent. Read-only; a database a run is writing is reported, not waited for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from salesmart import runlog
from salesmart.config import Settings


def renderables(settings: Settings) -> list[Table | str]:
    """What `salesmart status` prints, in order."""
    return [_runs_table(settings), _published_line(settings), *_build_tables(settings)]


AWAITING_SQL = """
    select waiting.child_table, waiting.child_id, waiting.parent_table, waiting.parent_id, files.source_file
    from intermediate.int_rows_awaiting_parent as waiting
    left join meta.loaded_files as files on waiting._file_id = files.file_id
    order by waiting.child_table, waiting.child_id
"""


def rows_awaiting_parent(settings: Settings) -> list[tuple]:
    """Rows the models hold back until their parent is loaded (int_rows_awaiting_parent; DuckDB target)."""
    import duckdb

    from salesmart.load import has_table

    if settings.target != "duckdb" or not settings.build_db.exists():
        return []
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return (
            con.execute(AWAITING_SQL).fetchall() if has_table(con, "intermediate", "int_rows_awaiting_parent") else []
        )


def _runs_table(settings: Settings, limit: int = 10) -> Table | str:
    runs = runlog.summarize_runs(runlog.read_log(settings.runs_log), limit)
    if not runs:
        return f"no runs logged yet ({settings.runs_log})"
    table = Table(title=f"last runs ({settings.runs_log})", title_justify="left")
    for column in ("run", "start (UTC)", "end (UTC)", "steps", "outcome"):
        table.add_column(column)
    for run_summary in runs:
        table.add_row(
            run_summary.run_id,
            run_summary.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            run_summary.ended_at.strftime("%Y-%m-%d %H:%M:%S"),
            " ".join(f"{step}:{outcome}" for step, outcome in run_summary.steps),
            run_summary.outcome,
        )
    return table


def _published_line(settings: Settings) -> str:
    path = settings.published_db
    if not path.exists():
        return f"published: nothing yet ({path})"
    stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"published: {path} (at {stamp})"


def _query(con: Any, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


BATCHES_SQL = """
    select
        batch_id,
        min(loaded_at) as first_loaded_at,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'skipped') as files_skipped,
        count(*) filter (where status = 'rejected') as files_rejected,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_rejected), 0) as rows_rejected,
    from meta.loaded_files
    group by batch_id
    order by first_loaded_at desc, batch_id desc
    limit 10
"""

REJECTED_FILES_SQL = """
    select source_file, batch_id, error
    from meta.loaded_files
    where status = 'rejected'
    order by loaded_at desc, source_file
    limit 20
"""

AWAITING_STATUS_SQL = f"""
    select
        child_table,
        parent_table,
        count(*) as rows_waiting,
        string_agg(child_id || ' → ' || parent_id || ' (' || coalesce(source_file, '?') || ')', '; '
            order by child_id) filter (where rank <= 3) as first_rows,
    from (select *, row_number() over (partition by child_table order by child_id) as rank from ({AWAITING_SQL}))
    group by child_table, parent_table
    order by child_table
"""

GATE_SQL = """
    select source_file, batch_id, gate, split_part(coalesce(gate_note, ''), chr(10), 1) as first_failure
    from meta.loaded_files
    where gate in ('pending', 'failed')
    order by file_id
    limit 20
"""

REJECTED_ROWS_SQL = """
    select
        source_file,
        count(distinct line_number) as rows_rejected,
        arg_min('line ' || line_number || ', ' || coalesce(column_name, '-') || ': ' || reason, line_number)
            as first_reason,
    from meta.rejected_rows
    group by source_file
    order by source_file
    limit 20
"""


def _rich_table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column.startswith(("rows_", "files_")) else "left")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    return table


def _build_tables(settings: Settings) -> list[Table | str]:
    import duckdb

    from salesmart.load import has_column, has_table

    if not settings.build_db.exists():
        return [f"batches: nothing loaded yet ({settings.build_db})"]
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.Error as exc:
        return [f"batches: cannot read {settings.build_db} now ({exc}); a run may be writing it"]
    with con:
        if not has_table(con, "meta", "loaded_files"):
            return ["batches: nothing loaded yet (no meta.loaded_files)"]
        out: list[Table | str] = [_rich_table("batches", *_query(con, BATCHES_SQL))]
        columns, rows = _query(con, REJECTED_FILES_SQL)
        out.append(_rich_table("rejected files", columns, rows) if rows else "rejected files: none")
        if has_column(con, "meta", "loaded_files", "gate"):
            columns, rows = _query(con, GATE_SQL)
            out.append(
                _rich_table("held by the gate (not in the models)", columns, rows) if rows else "held by the gate: none"
            )
        if has_table(con, "intermediate", "int_rows_awaiting_parent"):
            columns, rows = _query(con, AWAITING_STATUS_SQL)
            out.append(
                _rich_table("rows awaiting their parent", columns, rows) if rows else "rows awaiting their parent: none"
            )
        columns, rows = _query(con, REJECTED_ROWS_SQL)
        out.append(_rich_table("rejected rows", columns, rows) if rows else "rejected rows: none")
    return out
