"""Landing-file writer for the demo-data generator: numpy columns in, contract-shaped CSV/Parquet out.

Columns arrive as numpy arrays in compact encodings (ids as integers, categories as codes, times as epoch
seconds) and DuckDB formats them while writing, so no Python loop ever touches a record.

A table may be written in several calls (the generator's blocks), and each call goes in slices of at most
WRITE_ROWS rows into a hidden folder of the output directory, appended to the files of the extracts the
slice has rows for: CSV rows after the file's rows so far (DuckDB writes the slice, its lines but the
header are appended), Parquet rows as row groups (pyarrow keeps the file open). At `close()` every file
moves into the landing. So the writer holds one slice at a time, whatever the table's size, and the landing
only ever receives whole files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from salesmart.contract import Table, load_contract

# Null sentinel for epoch-second timestamps and epoch-day dates (numpy's NaT bit pattern).
NAT = np.iinfo(np.int64).min
DAY = 86_400
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"
WRITE_ROWS = 500_000  # rows per slice: bounds the writer's copies (sorted arrow columns) of a slice
MAX_QUEUED = 2  # slices queued for the writer thread before write() waits: bounds what waits in memory
PARTS_PREFIX = ".generate-parts-"  # the hidden folder of unfinished files under the output directory


@dataclass(frozen=True)
class Ids:
    """Integer ids (negative = null) written as `<prefix><n>`."""

    prefix: str
    values: np.ndarray


@dataclass(frozen=True)
class Cat:
    """Category codes (negative = null) into a small vocabulary."""

    vocab: tuple[str, ...]
    codes: np.ndarray


@dataclass(frozen=True)
class IntN:
    """Non-negative integers where negative means null."""

    values: np.ndarray


@dataclass(frozen=True)
class Sql:
    """A DuckDB expression over the table's other (raw) columns, e.g. an email built from an id."""

    expr: str


def epoch_seconds(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * DAY


def add_months(day: dt.date, months: int) -> dt.date:
    idx = day.year * 12 + day.month - 1 + months
    return dt.date(idx // 12, idx % 12 + 1, 1)


class LandingWriter:
    """Writes tables into `<out_dir>/<system>/<table>/<file>` with one file per extract.

    Extract files: index 0 is the initial full extract (named the day before the window starts), index m
    (1..months) the incremental extract of month m (named its last day), so file-name order = extract order.
    """

    def __init__(self, out_dir: Path, start: dt.date, months: int) -> None:
        self.out_dir = Path(out_dir)
        self.months = months
        month_starts = [add_months(start, m) for m in range(months + 1)]
        self.bounds = np.array([epoch_seconds(d) for d in month_starts], dtype=np.int64)
        self.file_names = [(start - dt.timedelta(days=1)).isoformat()] + [
            (month_starts[m + 1] - dt.timedelta(days=1)).isoformat() for m in range(months)
        ]
        self.con = duckdb.connect()
        # one writer thread: files are written in call order, overlapping the next table's generation
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: deque[Future] = deque()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._parts_dir = Path(tempfile.mkdtemp(prefix=PARTS_PREFIX, dir=self.out_dir))
        self._parquet: dict[Path, pq.ParquetWriter] = {}  # the open Parquet files, one per extract file
        # Row order inside a file must follow the arrays for byte-identical reruns.
        self.con.execute("set preserve_insertion_order = true")
        self.counts: dict[str, int] = {}
        self.contract = load_contract()

    def file_index(self, ts: np.ndarray) -> np.ndarray:
        """Extract file holding a record last changed at epoch second `ts`."""
        idx = np.searchsorted(self.bounds, ts, side="right")
        return np.clip(idx, 0, self.months).astype(np.int16)

    def write(
        self,
        key: str,
        cols: dict[str, object],
        file_idx: np.ndarray,
        offsets: np.ndarray | None = None,
        fmt: str = "csv",
    ) -> int:
        """Queue rows of a table for writing and return their count; a table may take several calls, whose
        rows follow each other in every extract file. `cols` holds every contract column (plus helper
        columns starting with `_`); `offsets` gives per-row UTC offsets in minutes for timestamps (0 =
        written without offset). The arrays must not be modified afterwards: a background thread writes
        them while the caller generates the next rows (DuckDB and numpy release the GIL)."""
        table = self.contract[key]
        missing = [c for c in table.column_names if c not in cols]
        if missing:
            raise ValueError(f"generator: {key} lacks contract columns {missing}")
        n = len(file_idx)
        self.counts[key] = self.counts.get(key, 0) + n
        for lo in range(0, n, WRITE_ROWS):
            hi = min(lo + WRITE_ROWS, n)
            while len(self._pending) >= MAX_QUEUED:
                self._pending.popleft().result()
            part = _row_slice(cols, lo, hi, key, n)
            off = None if offsets is None else offsets[lo:hi]
            job = self._pool.submit(self._write, table, part, file_idx[lo:hi], off, fmt)
            self._pending.append(job)
        return n

    def _write(
        self,
        table: Table,
        cols: dict[str, object],
        file_idx: np.ndarray,
        offsets: np.ndarray | None,
        fmt: str,
    ) -> None:
        order = np.argsort(file_idx, kind="stable")
        arrays: dict[str, pa.Array] = {}
        exprs: list[str] = []
        types = {c.name: c.type for c in table.columns}
        for name, value in cols.items():
            if isinstance(value, Sql):
                continue
            # Times travel as epoch seconds; the contract type decides date or timestamp.
            if isinstance(value, np.ndarray) and value.dtype == np.int64 and types.get(name) == "timestamp":
                value = ts_col(value)
            elif isinstance(value, np.ndarray) and value.dtype == np.int64 and types.get(name) == "date":
                value = date_col(value)
            arrays[name] = _to_arrow(value, order)
        use_offsets = offsets is not None and fmt == "csv"
        if use_offsets:
            arrays["_off"] = pa.array(offsets[order].astype(np.int32))
        for col in table.columns:
            value = cols[col.name]
            q = f'"{col.name}"'
            if isinstance(value, Sql):
                expr = value.expr
            elif isinstance(value, Ids):
                expr = f"'{value.prefix}' || {q}"
            elif col.type == "decimal":
                expr = f"cast(round({q}, 2) as decimal(18, 2))"
            elif col.type == "timestamp" and fmt == "csv":
                plain = f"strftime({q}, '{TS_FORMAT}')"
                if use_offsets:
                    local = f"strftime({q} + to_minutes(_off), '{TS_FORMAT}')"
                    suffix = (
                        "(case when _off < 0 then '-' else '+' end)"
                        " || lpad((abs(_off) // 60)::varchar, 2, '0')"
                        " || ':' || lpad((abs(_off) % 60)::varchar, 2, '0')"
                    )
                    expr = f"case when _off = 0 then {plain} else {local} || {suffix} end"
                else:
                    expr = plain
            elif col.type == "timestamp":
                expr = f"{q}::timestamp"  # microseconds in Parquet, as DuckDB writes them
            elif col.type == "string":
                expr = f"{q}::varchar"
            else:
                expr = q
            exprs.append(f"{expr} as {q}")
        tbl = pa.table(arrays)
        sorted_idx = file_idx[order]
        target = self._parts_dir / table.system / table.name
        target.mkdir(parents=True, exist_ok=True)
        select = ", ".join(exprs)
        categories = [c.name for c in table.columns if isinstance(cols[c.name], Cat)]
        for f in np.unique(sorted_idx):
            lo, hi = np.searchsorted(sorted_idx, [f, f + 1])
            self.con.register("_slice", tbl.slice(int(lo), int(hi - lo)))
            query = f"select {select} from _slice"
            if fmt == "parquet":
                # DuckDB formats, pyarrow appends the rows as row groups to the extract's one open file
                self._parquet_file(target / f"{self.file_names[int(f)]}.parquet", query, categories)
            else:
                path = target / f"{self.file_names[int(f)]}.csv"
                self._csv_file(path, query)
            self.con.unregister("_slice")

    def _parquet_file(self, path: Path, query: str, categories: list[str]) -> None:
        rows = self.con.sql(query).to_arrow_table()
        if path not in self._parquet:
            # dictionary encoding for the few-valued columns only: ids and times do not repeat
            self._parquet[path] = pq.ParquetWriter(path, rows.schema, compression="zstd", use_dictionary=categories)
        self._parquet[path].write_table(rows)

    def _csv_file(self, path: Path, query: str) -> None:
        if not path.exists():
            self.con.execute(f"copy ({query}) to '{path}' ({CSV_OPTIONS})")
            return
        piece = path.with_suffix(".piece")
        self.con.execute(f"copy ({query}) to '{piece}' ({CSV_OPTIONS})")
        with piece.open("rb") as src, path.open("ab") as out:
            src.readline()  # the header, in the file once
            shutil.copyfileobj(src, out)
        piece.unlink()

    def close(self, join: bool = True) -> None:
        """Wait for queued writes (raising the first error), move the files into the landing (unless `join`
        is false: the generator failed) and release DuckDB; the unfinished files go in any case."""
        try:
            while self._pending:
                job = self._pending.popleft()
                # after a failure only wait: the first error is the one being reported
                job.result() if join else job.exception()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self.con.close()
            for parquet_file in self._parquet.values():
                parquet_file.close()
        try:
            for folder in sorted(self._parts_dir.glob("*/*")) if join else ():
                target = self.out_dir / folder.relative_to(self._parts_dir)
                target.mkdir(parents=True, exist_ok=True)
                for path in folder.iterdir():
                    os.replace(path, target / path.name)
        finally:
            shutil.rmtree(self._parts_dir, ignore_errors=True)


CSV_OPTIONS = "format csv, header true, delimiter ',', dateformat '%Y-%m-%d'"


def _row_slice(cols: dict[str, object], lo: int, hi: int, key: str, n: int) -> dict[str, object]:
    """Rows lo..hi of every column (numpy views, no copy); expressions stay as they are."""
    out: dict[str, object] = {}
    for name, value in cols.items():
        if isinstance(value, Ids):
            out[name] = Ids(value.prefix, value.values[lo:hi])
        elif isinstance(value, IntN):
            out[name] = IntN(value.values[lo:hi])
        elif isinstance(value, Cat):
            out[name] = Cat(value.vocab, value.codes[lo:hi])
        elif isinstance(value, Sql):
            out[name] = value
        else:
            arr = np.asarray(value)
            if len(arr) != n:
                raise ValueError(f"generator: {key}.{name} has {len(arr)} values for {n} rows")
            out[name] = arr[lo:hi]
    return out


def _to_arrow(value: object, order: np.ndarray) -> pa.Array:
    if isinstance(value, Ids):
        v = value.values[order]
        return pa.array(v.astype(np.int64), mask=v < 0)
    if isinstance(value, IntN):
        v = value.values[order]
        return pa.array(v.astype(np.int64), mask=v < 0)
    if isinstance(value, Cat):
        codes = value.codes[order].astype(np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), pa.array(value.vocab))
    arr = np.asarray(value)[order]
    if arr.dtype.kind == "f":
        return pa.array(arr, mask=np.isnan(arr))
    if arr.dtype.kind == "M":
        return pa.array(arr, mask=np.isnat(arr))
    return pa.array(arr)


def ts_col(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds (NAT = null) as datetime64[s]; NAT maps to numpy's NaT."""
    return seconds.astype("datetime64[s]")


def date_col(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds (NAT = null) as datetime64[D] (the UTC date)."""
    out = (seconds // DAY).astype("datetime64[D]")
    out[seconds == NAT] = np.datetime64("NaT")
    return out
