"""Helpers shared by the test modules (plain functions, not fixtures)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

# Cross-engine equivalence of kpi_metric_values (PostgreSQL and Spark against DuckDB): numbers may differ
# only by float rounding.
REL_TOL = 1e-9
ABS_TOL = 1e-9
KPI_KEY = ("metric_id", "period_grain", "period_start", "dimension_name", "dimension_value")


def salesmart_command() -> list[str]:
    """The installed `salesmart` console script of the running environment."""
    script = Path(sys.executable).parent / "salesmart"
    return [str(script)] if script.exists() else [shutil.which("salesmart") or "salesmart"]


def copy_home(home: Path, target: Path) -> Path:
    """A private copy of a session warehouse's home (conftest), for a test that runs dbt or mf on it or
    changes it: other workers may be reading the shared one."""
    shutil.copytree(home, target)
    return target


def timed_salesmart_run(
    root: Path,
    landing: Path,
    target: str,
    timeout: int,
    extra_env: dict[str, str] | None = None,
    unit_tests: bool = False,
) -> float:
    """`salesmart run` on `target` with home <root>/home-<target> and as-of 2026-03-31; its seconds."""
    env = {
        **os.environ,
        **(extra_env or {}),
        "SALESMART_HOME": str(root / f"home-{target}"),
        "SALESMART_LANDING": str(landing),
        "SALESMART_AS_OF": "2026-03-31",
        "SALESMART_TARGET": target,
    }
    command = [*salesmart_command(), "run", *(["--unit-tests"] if unit_tests else [])]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"salesmart run on {target} failed:\n{result.stdout}\n{result.stderr[-20000:]}"
    return seconds


def duckdb_kpi_rows(published_db: Path) -> list[dict[str, Any]]:
    """Every row of marts.kpi_metric_values of a published DuckDB file, as dicts."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        cur = con.execute("select * from marts.kpi_metric_values")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def keyed_kpi_rows(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """kpi_metric_values rows by their key; fails on a duplicate key."""
    keyed = {tuple(row[k] for k in KPI_KEY): row for row in rows}
    assert len(keyed) == len(rows), "kpi_metric_values has duplicate keys"
    return keyed


def same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str | date):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)


def assert_same_kpi_values(reference: list[dict[str, Any]], other: list[dict[str, Any]]) -> None:
    """Same keys, same columns and every cell equal (numbers within REL_TOL / ABS_TOL)."""
    ref, oth = keyed_kpi_rows(reference), keyed_kpi_rows(other)
    assert set(ref) == set(oth)
    assert len(ref) > 100  # the pipeline family alone reports hundreds of slices on the test landing
    assert set(reference[0]) == set(other[0])
    differences = [
        (key, column, row[column], oth[key][column])
        for key, row in ref.items()
        for column in row
        if not same_value(row[column], oth[key][column])
    ]
    assert differences == []


def assert_hand_computed_pipeline_numbers(rows: list[dict[str, Any]]) -> None:
    """The hand-computed values of test_pipeline_kpis's landing (O3: 5000 EUR at 1.20 in February)."""
    keyed = keyed_kpi_rows(rows)
    assert float(keyed[("bookings", "month", date(2026, 2, 1), "total", "total")]["value"]) == pytest.approx(6000)
    assert float(keyed[("win_rate", "quarter", date(2026, 1, 1), "total", "total")]["value"]) == pytest.approx(3 / 4)
    assert float(keyed[("pipeline_value", "month", date(2026, 3, 1), "total", "total")]["value"]) == pytest.approx(5750)
