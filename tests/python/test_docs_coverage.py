"""Docs coverage: the counting rules on a hand-made manifest/catalog, and 100% on the real project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import copy_home
from salesmart import docs_coverage
from salesmart.config import project_root


def _model(name: str, path: str, description: str, columns: dict[str, str], resource_type: str = "model") -> dict:
    return {
        "resource_type": resource_type,
        "package_name": "salesmart",
        "name": name,
        "original_file_path": path,
        "patch_path": f"salesmart://{Path(path).parent}/_models.yml",
        "description": description,
        "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
    }


def _built(*columns: str) -> dict:
    return {"columns": {c: {"name": c, "index": i + 1, "type": "VARCHAR"} for i, c in enumerate(columns)}}


MANIFEST = {
    "metadata": {"project_name": "salesmart"},
    "nodes": {
        # staging: 2 models, 1 described; 4 built columns, 2 described (ID is matched case-insensitively).
        "model.salesmart.stg_a": _model(
            "stg_a", "models/staging/a/stg_a.sql", "Accounts, latest version.", {"id": "Key.", "name": ""}
        ),
        "model.salesmart.stg_b": _model("stg_b", "models/staging/a/stg_b.sql", "  ", {"b_id": "Key.", "gone": "Old."}),
        # intermediate: 1 model, not described, no column described: reported, never required by default.
        "model.salesmart.int_c": _model("int_c", "models/intermediate/x/int_c.sql", "", {}),
        # marts: 1 model fully described.
        "model.salesmart.fct_d": _model("fct_d", "models/marts/core/fct_d.sql", "Orders.", {"d_id": "Order id."}),
        "seed.salesmart.metric_catalog": _model(
            "metric_catalog", "seeds/metric_catalog.csv", "Catalog.", {"metric_id": "Id."}, "seed"
        ),
        # not counted: another package's model and a test.
        "model.other.stg_x": {**_model("stg_x", "models/staging/stg_x.sql", "", {}), "package_name": "other"},
        "test.salesmart.not_null_x": {"resource_type": "test", "package_name": "salesmart"},
    },
}
CATALOG = {
    "nodes": {
        "model.salesmart.stg_a": _built("ID", "name"),
        "model.salesmart.stg_b": _built("b_id", "extra"),
        "model.salesmart.int_c": _built("c_id"),
        "model.salesmart.fct_d": _built("d_id"),
        "seed.salesmart.metric_catalog": _built("metric_id"),
    }
}


def test_counts_per_layer_by_hand() -> None:
    result = docs_coverage.coverage(MANIFEST, CATALOG)
    staging = result["staging"]
    assert (staging.models, staging.models_described, staging.columns, staging.columns_described) == (2, 1, 4, 2)
    assert staging.model_share == 0.5 and staging.column_share == 0.5
    assert staging.missing == [
        "staging: stg_a.name: column has no description (models/staging/a/_models.yml)",
        "staging: stg_b: model has no description (models/staging/a/_models.yml)",
        "staging: stg_b.extra: column has no description (models/staging/a/_models.yml)",
    ]
    assert staging.stale == ["staging: stg_b.gone: described in YAML but not built (models/staging/a/_models.yml)"]
    intermediate = result["intermediate"]
    assert (intermediate.models, intermediate.models_described, intermediate.columns) == (1, 0, 1)
    marts = result["marts"]
    assert (marts.models, marts.models_described, marts.columns, marts.columns_described) == (1, 1, 1, 1)
    assert marts.complete
    assert (result["seeds"].models, result["seeds"].columns_described) == (1, 1)


def test_model_missing_from_catalog_fails_its_layer() -> None:
    catalog = {"nodes": {k: v for k, v in CATALOG["nodes"].items() if k != "model.salesmart.fct_d"}}
    marts = docs_coverage.coverage(MANIFEST, catalog)["marts"]
    assert (marts.models, marts.models_described, marts.columns) == (1, 1, 0)
    assert not marts.complete
    assert marts.missing == ["marts: fct_d: not in catalog.json (not built?): its columns are not counted"]


def _write_target(tmp_path: Path, manifest: dict, catalog: dict) -> Path:
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    return tmp_path


def test_main_exits_1_and_names_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _write_target(tmp_path, MANIFEST, CATALOG)
    assert docs_coverage.main(["--target-dir", str(target)]) == 1
    out, err = capsys.readouterr()
    assert re.search(r"^staging +1/2 \(50\.0%\) +2/4 \(50\.0%\)$", out, re.MULTILINE)
    assert "stg_b.extra: column has no description" in out
    assert "intermediate: 2 missing (not required):" in out
    assert "FAILED: staging under 100%" in err


def test_main_passes_when_only_unrequired_layers_miss(tmp_path: Path) -> None:
    manifest = {**MANIFEST, "nodes": {k: v for k, v in MANIFEST["nodes"].items() if "stg_" not in k}}
    target = _write_target(tmp_path, manifest, CATALOG)
    assert docs_coverage.main(["--target-dir", str(target)]) == 0
    assert docs_coverage.main(["--target-dir", str(target), "--require", "intermediate"]) == 1


def test_missing_artefact_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    assert docs_coverage.main(["--target-dir", str(tmp_path)]) == 2
    assert f"{tmp_path / 'catalog.json'} not found: run `dbt docs generate` first" in capsys.readouterr().err


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{\n  "nodes": ,\n}', encoding="utf-8")
    with pytest.raises(docs_coverage.ArtefactError, match=r"manifest.json: not valid JSON \(line 2, column 12\)"):
        docs_coverage.load_coverage(tmp_path)


@pytest.mark.slow
def test_project_is_fully_documented(pipeline_warehouse: Path, tmp_path: Path) -> None:
    """`dbt docs generate` on the built hand-made warehouse: staging, marts and seeds at 100%."""
    # a copy: dbt opens build.duckdb for writing, and other workers read the session's warehouse
    home = copy_home(pipeline_warehouse, tmp_path / "home")
    env = {
        **os.environ,
        "SALESMART_HOME": str(home),
        "DBT_PROFILES_DIR": str(project_root() / "profiles"),
        "SALESMART_AS_OF": "2026-03-31",
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), "docs", "generate", "--quiet", "--target-path", str(tmp_path)]
    result = subprocess.run(command, cwd=project_root(), env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    coverage = docs_coverage.load_coverage(tmp_path)
    for layer in ("staging", "marts", "seeds"):
        assert coverage[layer].missing == [], layer
        assert coverage[layer].model_share == 1.0 and coverage[layer].column_share == 1.0
    # Every model and seed of the project is counted (31 staging views; marts and seeds grow with the project).
    assert coverage["staging"].models == 31
    assert coverage["seeds"].models == 1
    # The generated metric catalog page and the exposures reach the docs site.
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    overview = manifest["docs"]["doc.salesmart.__overview__"]["block_contents"]
    assert "| `win_rate` |" in overview and "| `bookings` |" in overview
    assert "| `win_rate` |" in manifest["nodes"]["seed.salesmart.metric_catalog"]["description"]
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert sorted(exposures) == ["bi_tool_published_mart", "kpi_dashboard", "metricflow_semantic_layer"]
    assert sorted(exposures["kpi_dashboard"]["depends_on"]["nodes"]) == [
        "model.salesmart.dim_reps",
        "model.salesmart.kpi_metric_first_periods",
        "model.salesmart.kpi_metric_values",
    ]
