"""Structured run log: every step appends one JSON line to <home>/runs.log."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from salesmart.config import Settings

# Outcomes a step can log. "warn" means the step finished but recorded problems (e.g. rejected files).
STATUSES = ("ok", "warn", "failed")


def new_run_id() -> str:
    """A short unique id shared by the steps of one invocation."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def log_step(
    settings: Settings,
    step: str,
    status: str,
    run_id: str | None = None,
    duration_s: float | None = None,
    **details: Any,
) -> dict[str, Any]:
    """Append one line {ts, run_id, step, status, duration_s, details} and return it."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    record = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "run_id": run_id or new_run_id(),
        "step": step,
        "status": status,
        "duration_s": None if duration_s is None else round(duration_s, 3),
        "details": details,
    }
    settings.home.mkdir(parents=True, exist_ok=True)
    # One write() of one line in append mode: concurrent writers never interleave within a line.
    line = json.dumps(record, default=str, sort_keys=False) + "\n"
    fd = os.open(settings.runs_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return record


@dataclass
class StepTimer:
    """Collects a step's outcome; `timed_step` logs it when the block ends."""

    status: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)


@contextmanager
def timed_step(settings: Settings, step: str, run_id: str) -> Iterator[StepTimer]:
    """Time a block and log it; an exception logs status failed with the error, then propagates."""
    timer = StepTimer()
    start = time.monotonic()
    try:
        yield timer
    except BaseException as exc:
        error = str(exc) or type(exc).__name__
        log_step(settings, step, "failed", run_id, time.monotonic() - start, **timer.details, error=error)
        raise
    log_step(settings, step, timer.status, run_id, time.monotonic() - start, **timer.details)


def read_log(path: Path) -> list[dict[str, Any]]:
    """All well-formed lines of a run log, in file order (a torn last line is ignored)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: datetime
    ended_at: datetime
    steps: list[tuple[str, str]]

    @property
    def outcome(self) -> str:
        statuses = {status for _, status in self.steps}
        if "failed" in statuses:
            return "failed"
        return "warn" if "warn" in statuses else "ok"


def summarize_runs(records: list[dict[str, Any]], limit: int = 10) -> list[RunSummary]:
    """Group log lines by run_id; the last `limit` runs, most recent first."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        runs.setdefault(rec["run_id"], []).append(rec)
    summaries = []
    for run_id, recs in runs.items():
        ends = [datetime.fromisoformat(r["ts"]) for r in recs]
        # ts is written when a step ends, so a step started duration_s earlier.
        starts = [e - timedelta(seconds=r.get("duration_s") or 0) for e, r in zip(ends, recs, strict=True)]
        summaries.append(
            RunSummary(
                run_id=run_id,
                started_at=min(starts),
                ended_at=max(ends),
                steps=[(r["step"], r["status"]) for r in recs],
            )
        )
    summaries.sort(key=lambda s: s.ended_at, reverse=True)
    return summaries[:limit]


class RunLockedError(RuntimeError):
    """Another salesmart process holds the run lock of this home."""


class HomeUnusableError(RuntimeError):
    """SALESMART_HOME or its lock file is not what salesmart can write (a usage error, exit 2)."""


def ensure_home(home: Path) -> None:
    """Create SALESMART_HOME; HomeUnusableError when it (or a parent) is a file or cannot be created."""
    if home.exists() and not home.is_dir():
        raise HomeUnusableError(f"SALESMART_HOME {home} is a file, not a directory; point it at a directory")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HomeUnusableError(f"cannot create SALESMART_HOME {home}: {exc.strerror}") from None


@contextmanager
def run_lock(settings: Settings) -> Iterator[str | None]:
    """Refuse a second writer on the same home; the OS drops the lock if the process dies.

    Yields the pid a killed run left in the lock file (a stale lock, now taken over), else None: a run that
    ends normally empties the file, so a pid found once the lock is ours belongs to a dead process.
    """
    import fcntl

    ensure_home(settings.home)
    path = settings.home / ".run.lock"
    if path.is_dir():
        raise HomeUnusableError(f"the run lock {path} is a directory; remove it (salesmart creates the file)")
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunLockedError(
                f"another salesmart run is using {settings.home} (pid {holder}); wait for it to finish"
            ) from None
        handle.seek(0)
        stale = handle.read().strip() or None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield stale
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
