"""The benchmark runs end to end at a tiny scale and writes complete results (no speed thresholds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.harness import PHASES, QUERIES, linearity, run_benchmark


def test_linearity_ratio_by_hand() -> None:
    # 10x the data in 5x the time is half of linear; 10x the data in 20x the time is twice linear.
    scales = [
        {"scale": 0.1, "phase_seconds": {"generate": 2.0, "load": 1.0}},
        {"scale": 1.0, "phase_seconds": {"generate": 10.0, "load": 20.0}},
    ]
    out = linearity(scales)
    assert out["scale_ratio"] == pytest.approx(10.0)
    assert out["time_ratio_over_scale_ratio"]["generate"] == pytest.approx(0.5)
    assert out["time_ratio_over_scale_ratio"]["load"] == pytest.approx(2.0)
    assert out["time_ratio_over_scale_ratio"]["publish"] is None


@pytest.mark.slow
def test_bench_end_to_end_at_scale_001(tmp_path: Path) -> None:
    run_benchmark([0.01], tmp_path)

    results = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.md").read_text().startswith("# salesmart benchmark results")
    assert results["machine"]["cpu_count"] >= 1
    (scale,) = results["scales"]
    assert scale["scale"] == 0.01
    assert set(scale["phase_seconds"]) == set(PHASES)
    for phase in PHASES:
        assert scale["phase_seconds"][phase] > 0, phase
        assert scale["peak_rss_mb"][phase] > 0, phase
    for step in ("generate", "load", "daily_load"):
        assert scale["rows"][step] > 0, step
        assert scale["rows_per_second"][step] > 0, step
    assert set(scale["query_median_ms"]) == set(QUERIES)
    assert all(ms > 0 for ms in scale["query_median_ms"].values())
    assert scale["orchestration_ratio"] > 0
    assert scale["incremental_ratio"] > 0
    # Both builds are production builds (no dbt unit tests); the daily one follows a passing full build of the
    # same code and builds only what the daily batch's tables feed (no HR or marketing model, for one).
    assert scale["details"]["build_full"]["unit_tests_run"] is False
    assert scale["details"]["build_full"]["models_left_out"] == 0
    assert scale["details"]["build_incremental"]["unit_tests_run"] is False
    assert scale["details"]["build_incremental"]["models_left_out"] > 0
    assert scale["details"]["build_incremental"]["tests_left_out"] > 0
    assert "## Targets" in (tmp_path / "results.md").read_text()
