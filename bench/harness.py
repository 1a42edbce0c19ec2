"""End-to-end benchmark: time and peak memory of every pipeline step at several scales.

`python bench/harness.py --scales 0.1 0.3 1` (`make bench`; see bench/README.md). Not part of the installed
package: it drives the package from outside, as a user would.

Each phase runs in its own child process (`harness.py _phase ...`) so its peak RSS is its own and not what
earlier phases left in one long-lived interpreter; the parent samples the child's whole process tree with
psutil. The child times only the step itself (after its imports) and reports back as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from salesmart.config import Settings, limit_memory, project_root

SEED = 42
START = dt.date(2025, 1, 1)
MONTHS = 12
QUERY_REPEATS = 25
SAMPLE_SECONDS = 0.05

# Phases in run order; every scale reports each of them.
PHASES = (
    "generate",
    "load",
    "validate",
    "build_full",
    "baseline_sql",
    "publish_full",
    "daily_derive",
    "daily_load",
    "daily_validate",
    "build_incremental",
    "publish",
    "queries",
)

# Event tables that receive the derived daily batch: (system.table, event-time column, id columns to renew,
# parent). A table with a parent takes, instead of its last day, the rows of the parent's derived rows
# (events of the derived messages, whenever they happen), so renewed message ids still resolve.
DAILY_TABLES = (
    ("crm.activities", "activity_at", ("activity_id",), None),
    ("crm.user_events", "event_at", ("event_id",), None),
    ("email.messages", "sent_at", ("message_id",), None),
    ("email.events", "event_at", ("event_id", "message_id"), ("message_id", "email.messages")),
)
DAILY_ID_SUFFIX = "_d1"
# The phases of the daily `salesmart run` after the new batch lands in the landing.
DAILY_RUN_PHASES = ("daily_load", "daily_validate", "build_incremental", "publish")

# Targets of issue #8 at scale 1 (2 cores, 24 GiB): phase -> seconds; memory and queries below.
TARGET_SECONDS = {"generate": 60.0, "load": 60.0, "build_full": 180.0}
TARGET_INCREMENTAL_RATIO = 0.2
TARGET_PEAK_RSS_MB = 4096.0
TARGET_QUERY_MS = 100.0
# issue #17: at scale 1, the full build <= 1.3x the compiled-SQL baseline, a daily publish <= 3 s and the whole
# daily run <= 20 s; at scale 10 each phase <= 12x its scale-1 time and no phase above 8 GiB.
TARGET_ORCHESTRATION_RATIO = 1.3
TARGET_DAILY_PUBLISH_SECONDS = 3.0
TARGET_DAILY_RUN_SECONDS = 20.0
TARGET_SCALE_10_TIME_FACTOR = 12.0
TARGET_SCALE_10_PEAK_RSS_MB = 8192.0

# Typical BI queries on the published long table. Latest periods are looked up inside the query, as a
# dashboard would, so that lookup is part of the timing.
QUERIES: dict[str, str] = {
    "metric_by_month_total": """
        select period_start, value, prior_year_value
        from marts.kpi_metric_values
        where metric_id = 'bookings' and period_grain = 'month' and dimension_name = 'total'
        order by period_start
    """,
    "family_latest_quarter": """
        select metric_id, value, target_value, attainment, change_vs_prior_period
        from marts.kpi_metric_values
        where family = 'pipeline' and period_grain = 'quarter' and dimension_name = 'total'
            and period_start = (
                select max(period_start) from marts.kpi_metric_values where period_grain = 'quarter'
            )
        order by metric_id
    """,
    "metric_by_rep_year": """
        select dimension_value as rep, value
        from marts.kpi_metric_values
        where metric_id = 'win_rate' and period_grain = 'year' and dimension_name = 'rep'
            and period_start = (
                select max(period_start) from marts.kpi_metric_values where period_grain = 'year'
            )
        order by rep
    """,
    "top10_reps_bookings": """
        select dimension_value as rep, sum(value) as bookings
        from marts.kpi_metric_values
        where metric_id = 'bookings' and period_grain = 'month' and dimension_name = 'rep'
        group by dimension_value
        order by bookings desc nulls last, rep
        limit 10
    """,
}


# ----------------------------------------------------------------------------------------------- child side
def _phase_generate(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    from salesmart.generate import generate

    t0 = time.perf_counter()
    counts = generate(landing, scale=scale, seed=SEED, start=START, months=MONTHS)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "ok": True, "rows": sum(counts.values()), "tables": len(counts)}


def _loaded_rows(db_path: Path, batch_id: int) -> int:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        (rows,) = con.execute(
            "select coalesce(sum(rows_loaded), 0) from meta.loaded_files where batch_id = ?", [batch_id]
        ).fetchone()
    return int(rows)


def _phase_load(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    from salesmart.load import load_landing

    settings = Settings.from_env(home=home, landing=landing)
    settings.home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = load_landing(settings.build_db, settings.landing, memory_limit=settings.memory_limit)
    seconds = time.perf_counter() - t0
    statuses = [f.status for f in result.files]
    return {
        "seconds": seconds,
        "ok": "rejected" not in statuses,
        "rows": _loaded_rows(settings.build_db, result.batch_id),
        "files_loaded": statuses.count("loaded"),
        "files_skipped": statuses.count("skipped"),
        "files_rejected": statuses.count("rejected"),
    }


def _phase_validate(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    from salesmart.validate import validate

    settings = Settings.from_env(home=home, landing=landing)
    t0 = time.perf_counter()
    result = validate(settings)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "ok": bool(result.ok), "messages": list(result.messages)[:5]}


def _phase_build(full_refresh: bool):
    def run(home: Path, landing: Path, scale: float) -> dict[str, Any]:
        import dbt.cli.main  # noqa: F401  (import cost is not part of the build)

        from salesmart.build import run_dbt_build

        settings = Settings.from_env(home=home, landing=landing)
        t0 = time.perf_counter()
        # As `salesmart run`: no dbt unit tests (salesmart.build.UNIT_TESTS_NOTE); the incremental build is a daily
        # run (salesmart.build.LAST_PASSING_BUILD_FILE).
        outcome = run_dbt_build(settings, full_refresh=full_refresh, daily=not full_refresh)
        seconds = time.perf_counter() - t0
        return {
            "seconds": seconds,
            "ok": outcome.ok,
            "nodes": outcome.nodes,
            "failed": outcome.failed[:10],
            "error": outcome.error,
            "unit_tests_run": outcome.unit_tests_run,
            "models_left_out": outcome.models_left_out,
            "tests_left_out": outcome.tests_left_out,
        }

    return run


def _phase_publish(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    """`publish_full` after the full build (the first publish: the file is written whole); `publish` after the
    daily build (the published file is updated: only what the daily build wrote)."""
    from salesmart.publish import publish_marts

    settings = Settings.from_env(home=home, landing=landing)
    t0 = time.perf_counter()
    result = publish_marts(settings)
    return {
        "seconds": time.perf_counter() - t0,
        "ok": True,
        "mode": result.mode,
        "reason": result.reason,
        "copied": result.copied,
        "updated": result.updated,
        "unchanged": len(result.unchanged),
        "file_mb": round(result.path.stat().st_size / 2**20, 1),
    }


def _phase_queries(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    import duckdb

    settings = Settings.from_env(home=home, landing=landing)
    t0 = time.perf_counter()
    con = duckdb.connect(str(settings.published_db), read_only=True)
    medians: dict[str, float] = {}
    result_rows: dict[str, int] = {}
    try:
        for name, sql in QUERIES.items():
            result_rows[name] = len(con.execute(sql).fetchall())  # warm-up, not timed
            times = []
            for _ in range(QUERY_REPEATS):
                q0 = time.perf_counter()
                con.execute(sql).fetchall()
                times.append((time.perf_counter() - q0) * 1000)
            medians[name] = round(statistics.median(times), 3)
    finally:
        con.close()
    return {
        "seconds": time.perf_counter() - t0,
        "ok": all(result_rows.values()),
        "median_ms": medians,
        "result_rows": result_rows,
        "repeats": QUERY_REPEATS,
    }


def _model_order(manifest: dict) -> list[dict]:
    """Model nodes (not ephemeral) in dependency order."""
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order: list[dict] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(uid: str) -> None:
        if state.get(uid) == 2:
            return
        if state.get(uid) == 1:
            raise ValueError(f"baseline: dependency cycle at {uid}")
        state[uid] = 1
        for dep in nodes[uid]["depends_on"]["nodes"]:
            if dep in nodes:
                visit(dep)
        state[uid] = 2
        order.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid)
    return [n for n in order if n["config"]["materialized"] != "ephemeral"]


def _phase_baseline(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    """The full build's models from dbt's compiled SQL, in one DuckDB connection, without dbt or tests.

    `home` here is a directory holding a copy of the built build.duckdb (same file name, so the
    compiled SQL's `"build".<schema>.<name>` references resolve) and the full build's manifest.json.
    """
    import duckdb

    manifest = json.loads((home / "manifest.json").read_text())
    models = _model_order(manifest)
    missing = [n["unique_id"] for n in models if not n.get("compiled_code")]
    if missing:
        raise ValueError(f"baseline: manifest.json has no compiled_code for {missing[:5]}")
    t0 = time.perf_counter()
    con = duckdb.connect(str(home / "build.duckdb"))
    try:
        # Same session settings as profiles/profiles.yml.
        con.execute("set TimeZone = 'UTC'")
        limit_memory(con, Settings.from_env().memory_limit)
        model_seconds: dict[str, float] = {}
        for node in models:
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            relation = node["relation_name"]
            m0 = time.perf_counter()
            con.execute(f"create or replace {kind} {relation} as (\n{node['compiled_code']}\n)")
            model_seconds[node["name"]] = round(time.perf_counter() - m0, 3)
        con.execute("checkpoint")
    finally:
        con.close()
    slowest = dict(sorted(model_seconds.items(), key=lambda item: -item[1])[:10])
    return {"seconds": time.perf_counter() - t0, "ok": True, "models": len(models), "slowest_models": slowest}


def derive_daily_batch(landing: Path) -> dict[str, int]:
    """Write one extra day of event files into `landing`: the last day of each daily table, a day later.

    The rows of the latest day in each table's newest file are copied with every timestamp and date moved
    one day on and their ids suffixed, so they are new events on existing accounts, users and messages.
    Returns rows written per `system.table`.
    """
    import duckdb

    from salesmart.contract import load_contract

    contract = load_contract()
    written: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for key, event_col, id_cols, parent in DAILY_TABLES:
            table = contract[key]
            folder = landing / table.system / table.name
            files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".parquet"))
            if not files:
                raise FileNotFoundError(f"daily batch: no files in {folder}")
            newest = files[-1]
            reader = (
                f"read_parquet('{newest}')"
                if newest.suffix == ".parquet"
                else f"read_csv('{newest}', header = true, all_varchar = true)"
            )
            exprs = []
            for col in table.columns:
                q = f'"{col.name}"'
                if col.name in id_cols:
                    exprs.append(f"{q}::varchar || '{DAILY_ID_SUFFIX}' as {q}")
                elif col.type == "timestamp":
                    exprs.append(f"strftime({q}::timestamptz + interval 1 day, '%Y-%m-%dT%H:%M:%S') as {q}")
                elif col.type == "date":
                    exprs.append(f"strftime({q}::date + 1, '%Y-%m-%d') as {q}")
                else:
                    exprs.append(q)
            day = f'"{event_col}"::timestamptz::date'
            con.execute(f"create or replace temp view src as select * from {reader}")
            (last_day,) = con.execute(f"select max({day}) from src").fetchone()
            next_day = last_day + dt.timedelta(days=1)
            name = next_day.isoformat()
            if name <= newest.stem:  # keep file-name order = load order
                name = f"{newest.stem}_daily"
            out = folder / f"{name}.csv"
            if parent is None:
                where = f"{day} = '{last_day.isoformat()}'"
            else:
                fk, parent_key = parent
                where = f'"{fk}"::varchar in (select id from "ids_{parent_key}")'
            con.execute(f"create or replace temp table batch as select {', '.join(exprs)} from src where {where}")
            # Original ids of this batch, for child tables (ids here are suffixed, so strip the suffix).
            pk = f'"{table.primary_key[0]}"'
            con.execute(
                f'create or replace temp table "ids_{key}" as '
                f"select substr({pk}, 1, length({pk}) - {len(DAILY_ID_SUFFIX)}) as id from batch"
            )
            con.execute(f"copy batch to '{out}' (format csv, header true)")
            (written[key],) = con.execute("select count(*) from batch").fetchone()
    finally:
        con.close()
    return written


def _phase_daily_derive(home: Path, landing: Path, scale: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    written = derive_daily_batch(landing)
    return {"seconds": time.perf_counter() - t0, "ok": True, "rows": sum(written.values()), "tables": written}


CHILD_PHASES = {
    "generate": _phase_generate,
    "load": _phase_load,
    "validate": _phase_validate,
    "build_full": _phase_build(full_refresh=True),
    "baseline_sql": _phase_baseline,
    "publish_full": _phase_publish,
    "daily_derive": _phase_daily_derive,
    "daily_load": _phase_load,
    "daily_validate": _phase_validate,
    "build_incremental": _phase_build(full_refresh=False),
    "publish": _phase_publish,
    "queries": _phase_queries,
}


def run_child_phase(phase: str, home: Path, landing: Path, scale: float, out: Path) -> None:
    """Entry point of a phase's child process: run the step and write its JSON report to `out`."""
    try:
        report = CHILD_PHASES[phase](home, landing, scale)
    except Exception as exc:  # the parent records the failure and carries on with the next phase
        report = {"seconds": None, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    out.write_text(json.dumps(report, default=str))


# ---------------------------------------------------------------------------------------------- parent side
class TreeSampler:
    """Peak summed RSS of a process and all its descendants, sampled in a background thread."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue  # exited between listing and reading
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class PhaseResult:
    seconds: float | None
    peak_rss_mb: float
    wall_seconds: float
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


def run_phase(phase: str, home: Path, landing: Path, scale: float, env: dict[str, str], log: Path) -> PhaseResult:
    out = home.parent / f"{phase}.json"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_phase",
        phase,
        "--home",
        str(home),
        "--landing",
        str(landing),
        "--scale",
        str(scale),
        "--out",
        str(out),
    ]
    t0 = time.perf_counter()
    with log.open("a") as log_file:
        log_file.write(f"\n===== {phase} (scale {scale})\n")
        log_file.flush()
        proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid) as sampler:
            proc.wait()
    wall = time.perf_counter() - t0
    report = json.loads(out.read_text()) if out.exists() else {"ok": False, "error": f"exit {proc.returncode}"}
    seconds = report.pop("seconds", None)
    ok = bool(report.pop("ok", False)) and proc.returncode == 0
    return PhaseResult(seconds, round(sampler.peak / 2**20, 1), round(wall, 3), ok, report)


def _child_env(work: Path, home: Path, landing: Path) -> dict[str, str]:
    root = project_root()
    env = dict(os.environ)
    env.update(
        {
            "SALESMART_HOME": str(home),
            "SALESMART_LANDING": str(landing),
            "SALESMART_PROJECT_DIR": str(root),
            "DBT_PROFILES_DIR": str(root / "profiles"),
            # Keep dbt's artefacts and logs out of the repo and apart per scale.
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONPATH": os.pathsep.join(p for p in (str(root / "scripts"), os.environ.get("PYTHONPATH", "")) if p),
        }
    )
    return env


def bench_scale(scale: float, log: Path, keep: Path | None = None) -> dict[str, Any]:
    """Run every phase at one scale in a fresh temporary SALESMART_HOME; return its section of results."""
    work = Path(tempfile.mkdtemp(prefix=f"salesmart-bench-{scale}-"))
    home, landing, base = work / "home", work / "landing", work / "baseline"
    home.mkdir()
    base.mkdir()
    env = _child_env(work, home, landing)
    phases: dict[str, PhaseResult] = {}
    try:
        for phase in PHASES:
            if phase == "baseline_sql":
                # Outside any timing: the baseline starts from the same built file and compiled SQL.
                shutil.copy2(home / "build.duckdb", base / "build.duckdb")
                shutil.copy2(work / "target" / "manifest.json", base / "manifest.json")
            phase_home = base if phase == "baseline_sql" else home
            phases[phase] = run_phase(phase, phase_home, landing, scale, env, log)
            result = phases[phase]
            status = "ok" if result.ok else f"FAILED {result.details.get('error') or result.details}"
            print(
                f"  scale {scale:<5} {phase:<18} {result.seconds or float('nan'):9.2f} s "
                f"{result.peak_rss_mb:8.1f} MB  {status}",
                flush=True,
            )
    finally:
        if keep is not None:
            shutil.copytree(work, keep / f"scale-{scale}", dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return summarise_scale(scale, phases)


def _rate(rows: Any, seconds: float | None) -> float | None:
    return round(rows / seconds, 1) if rows and seconds else None


def summarise_scale(scale: float, phases: dict[str, PhaseResult]) -> dict[str, Any]:
    seconds = {name: (round(r.seconds, 6) if r.seconds is not None else None) for name, r in phases.items()}
    full, base = seconds.get("build_full"), seconds.get("baseline_sql")
    incremental = seconds.get("build_incremental")
    daily = [seconds.get(name) for name in DAILY_RUN_PHASES]
    return {
        "scale": scale,
        "phase_seconds": seconds,
        "peak_rss_mb": {name: r.peak_rss_mb for name, r in phases.items()},
        "wall_seconds": {name: r.wall_seconds for name, r in phases.items()},
        "ok": {name: r.ok for name, r in phases.items()},
        "rows": {name: phases[name].details.get("rows") for name in ("generate", "load", "daily_load")},
        "rows_per_second": {
            name: _rate(phases[name].details.get("rows"), seconds.get(name))
            for name in ("generate", "load", "daily_load")
        },
        "query_median_ms": phases["queries"].details.get("median_ms", {}),
        "orchestration_ratio": round(full / base, 2) if full and base else None,
        "incremental_ratio": round(incremental / full, 3) if full and incremental else None,
        "daily_run_seconds": round(sum(daily), 3) if all(x is not None for x in daily) else None,
        "details": {name: r.details for name, r in phases.items()},
    }


def linearity(scales: list[dict[str, Any]]) -> dict[str, Any]:
    """(time at the largest scale / time at the smallest) / (largest scale / smallest scale) per phase.

    1.0 is linear; below 1 means fixed costs still dominate at the smaller scale.
    """
    if len(scales) < 2:
        return {}
    lo, hi = scales[0], scales[-1]
    ratio = hi["scale"] / lo["scale"]
    out: dict[str, Any] = {"from_scale": lo["scale"], "to_scale": hi["scale"], "scale_ratio": ratio}
    per_phase = {}
    for name in PHASES:
        a, b = lo["phase_seconds"].get(name), hi["phase_seconds"].get(name)
        per_phase[name] = round((b / a) / ratio, 3) if a and b else None
    out["time_ratio_over_scale_ratio"] = per_phase
    return out


def machine_info() -> dict[str, Any]:
    import importlib.metadata as md

    import duckdb

    def version(dist: str) -> str | None:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    return {
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_total_mb": round(psutil.virtual_memory().total / 2**20),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _target_table(title: str, rows: list[tuple[str, Any, float]]) -> list[str]:
    lines = [title, "", "| target | measured | met |", "|---|---:|---|"]
    for label, value, limit in rows:
        met = "n/a" if value is None else ("yes" if value <= limit else "**no**")
        lines.append(f"| {label} | {_fmt(value, 3)} | {met} |")
    return lines


def render_targets(scales: list[dict[str, Any]]) -> list[str]:
    """The targets set for scale 1 (issues #8 and #17) against scale 1 (else the largest scale run), and the
    scale-10 targets of issue #17 when scales 1 and 10 were both run."""
    by_scale = {s["scale"]: s for s in scales}
    scale = by_scale.get(1.0, scales[-1])
    seconds, peaks = scale["phase_seconds"], scale["peak_rss_mb"]
    rows = [(f"{name} <= {limit:g} s", seconds.get(name), limit) for name, limit in TARGET_SECONDS.items()]
    rows += [
        (
            f"build_incremental / build_full <= {TARGET_INCREMENTAL_RATIO:g}",
            scale.get("incremental_ratio"),
            TARGET_INCREMENTAL_RATIO,
        ),
        (
            f"build_full / baseline_sql <= {TARGET_ORCHESTRATION_RATIO:g}",
            scale.get("orchestration_ratio"),
            TARGET_ORCHESTRATION_RATIO,
        ),
        (f"daily publish <= {TARGET_DAILY_PUBLISH_SECONDS:g} s", seconds.get("publish"), TARGET_DAILY_PUBLISH_SECONDS),
        (
            f"daily run ({' + '.join(DAILY_RUN_PHASES)}) <= {TARGET_DAILY_RUN_SECONDS:g} s",
            scale.get("daily_run_seconds"),
            TARGET_DAILY_RUN_SECONDS,
        ),
        (f"peak RSS of any phase <= {TARGET_PEAK_RSS_MB:g} MB", max(peaks.values(), default=None), TARGET_PEAK_RSS_MB),
        (
            f"slowest BI query median <= {TARGET_QUERY_MS:g} ms",
            max(scale["query_median_ms"].values(), default=None),
            TARGET_QUERY_MS,
        ),
    ]
    lines = _target_table(f"## Targets (set for scale 1; this is scale {scale['scale']})", rows)
    one, ten = by_scale.get(1.0), by_scale.get(10.0)
    if one and ten:
        rows = [
            (
                f"{name}: scale 10 / scale 1 <= {TARGET_SCALE_10_TIME_FACTOR:g}",
                ten["phase_seconds"][name] / one["phase_seconds"][name]
                if ten["phase_seconds"].get(name) and one["phase_seconds"].get(name)
                else None,
                TARGET_SCALE_10_TIME_FACTOR,
            )
            for name in PHASES
        ]
        rows.append(
            (
                f"peak RSS of any phase at scale 10 <= {TARGET_SCALE_10_PEAK_RSS_MB:g} MB",
                max(ten["peak_rss_mb"].values(), default=None),
                TARGET_SCALE_10_PEAK_RSS_MB,
            )
        )
        lines += ["", *_target_table("## Scale 10 against scale 1 (issue #17)", rows)]
    return lines


def render_markdown(results: dict[str, Any]) -> str:
    scales = results["scales"]
    m = results["machine"]
    lines = [
        "# salesmart benchmark results",
        "",
        f"Run {results['started_at']} on {m['cpu_count']} CPUs, {m['memory_total_mb']:,} MB RAM; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt_core']}, "
        f"dbt-duckdb {m['dbt_duckdb']}. "
        "See bench/README.md for how to read this.",
        "",
        "## Phase seconds (peak RSS MB of the phase's process tree)",
        "",
        "| phase | " + " | ".join(f"scale {s['scale']}" for s in scales) + " |",
        "|---|" + "---:|" * len(scales),
    ]
    for name in PHASES:
        cells = []
        for s in scales:
            mark = "" if s["ok"].get(name) else " (failed)"
            cells.append(f"{_fmt(s['phase_seconds'].get(name))} ({_fmt(s['peak_rss_mb'].get(name), 0)}){mark}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "| orchestration ratio build_full / baseline_sql | "
        + " | ".join(_fmt(s["orchestration_ratio"]) for s in scales)
        + " |",
        "| incremental ratio build_incremental / build_full | "
        + " | ".join(_fmt(s.get("incremental_ratio"), 3) for s in scales)
        + " |",
        "| daily run: "
        + " + ".join(DAILY_RUN_PHASES)
        + " | "
        + " | ".join(_fmt(s.get("daily_run_seconds")) for s in scales)
        + " |",
        "",
        "## Throughput (rows per second)",
        "",
        "| step | " + " | ".join(f"scale {s['scale']}" for s in scales) + " |",
        "|---|" + "---:|" * len(scales),
    ]
    for name in ("generate", "load", "daily_load"):
        cells = [f"{_fmt(s['rows_per_second'].get(name), 0)} ({_fmt(s['rows'].get(name))} rows)" for s in scales]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"## BI queries on the published marts.kpi_metric_values (median ms of {QUERY_REPEATS} runs)",
        "",
        "| query | " + " | ".join(f"scale {s['scale']}" for s in scales) + " |",
        "|---|" + "---:|" * len(scales),
    ]
    for name in QUERIES:
        lines.append(f"| {name} | " + " | ".join(_fmt(s["query_median_ms"].get(name), 1) for s in scales) + " |")
    lines += ["", *render_targets(scales)]
    lin = results.get("linearity") or {}
    if lin:
        lines += [
            "",
            f"## Linearity: (time at scale {lin['to_scale']} / time at scale {lin['from_scale']}) "
            f"/ {lin['scale_ratio']:g}",
            "",
            "1.0 = linear; below 1 = fixed costs dominate the smaller scale; above 1 = worse than linear.",
            "",
            "| phase | ratio |",
            "|---|---:|",
        ]
        for name, value in lin["time_ratio_over_scale_ratio"].items():
            lines.append(f"| {name} | {_fmt(value, 3)} |")
    return "\n".join(lines) + "\n"


def run_benchmark(scales: list[float], out_dir: Path, keep: Path | None = None) -> dict[str, Any]:
    """Benchmark each scale (ascending) and write out_dir/results.json and out_dir/results.md."""
    scales = sorted(scales)
    if not scales or any(s <= 0 for s in scales):
        raise ValueError(f"bench: scales must be positive numbers, got {scales}")
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "bench.log"
    log.write_text("")
    results: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "seed": SEED,
            "start": START.isoformat(),
            "months": MONTHS,
            "query_repeats": QUERY_REPEATS,
        },
        "phases": list(PHASES),
        "queries": {name: " ".join(sql.split()) for name, sql in QUERIES.items()},
        "scales": [],
    }
    for scale in scales:
        results["scales"].append(bench_scale(scale, log, keep))
        # Written after every scale, so an interrupted run keeps the scales it finished.
        results["linearity"] = linearity(results["scales"])
        results["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        (out_dir / "results.md").write_text(render_markdown(results))
    return results


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_phase"]:
        # Internal: one phase in a child process, so its memory can be measured on its own.
        child = argparse.ArgumentParser(prog="harness.py _phase")
        child.add_argument("phase", choices=PHASES)
        child.add_argument("--home", type=Path, required=True)
        child.add_argument("--landing", type=Path, required=True)
        child.add_argument("--scale", type=float, required=True)
        child.add_argument("--out", type=Path, required=True)
        args = child.parse_args(argv[1:])
        run_child_phase(args.phase, args.home, args.landing, args.scale, args.out)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.3, 1.0], help="generator scales")
    parser.add_argument("--out", type=Path, default=Path("bench"), help="where results.json/.md go")
    parser.add_argument("--keep", type=Path, default=None, help="copy each scale's work dir here (debug)")
    args = parser.parse_args(argv)
    results = run_benchmark(args.scales, args.out, args.keep)
    failed = [(s["scale"], name) for s in results["scales"] for name, ok in s["ok"].items() if not ok]
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    if failed:
        print(f"phases that failed (timings still recorded): {failed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
