"""Documentation coverage of the dbt project, per layer, from dbt's own artefacts.

Run `dbt docs generate` first: models come from `target/manifest.json` (with their YAML descriptions)
and columns from `target/catalog.json` (the columns as built in the warehouse, so a column the SQL adds
but the YAML forgets counts as missing). `python -m salesmart.docs_coverage` prints a table and every
missing description; it exits 1 when a required layer (default: staging and marts) is under 100%,
2 when an artefact is missing or unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from salesmart.config import project_root

LAYERS = ("staging", "intermediate", "marts", "seeds")
REQUIRED_LAYERS = ("staging", "marts")


class ArtefactError(RuntimeError):
    """manifest.json or catalog.json is missing or not what dbt writes; the message names the file."""


@dataclass
class LayerCoverage:
    layer: str
    models: int = 0
    models_described: int = 0
    columns: int = 0
    columns_described: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def model_share(self) -> float:
        return self.models_described / self.models if self.models else 1.0

    @property
    def column_share(self) -> float:
        return self.columns_described / self.columns if self.columns else 1.0

    @property
    def complete(self) -> bool:
        return not self.missing


def _read_json(path: Path) -> dict:
    if not path.exists():
        raise ArtefactError(f"{path} not found: run `dbt docs generate` first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtefactError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc


def _layer(node: dict) -> str | None:
    if node["resource_type"] == "seed":
        return "seeds"
    parts = Path(node.get("original_file_path", "")).parts
    if len(parts) >= 2 and parts[0] == "models" and parts[1] in LAYERS:
        return parts[1]
    return None


def coverage(manifest: dict, catalog: dict, project: str | None = None) -> dict[str, LayerCoverage]:
    """Coverage per layer of the project's models (and seeds); `project` defaults to the manifest's."""
    project = project or manifest.get("metadata", {}).get("project_name")
    built = {key.lower(): value for key, value in catalog.get("nodes", {}).items()}
    result = {layer: LayerCoverage(layer) for layer in LAYERS}
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        if node.get("resource_type") not in ("model", "seed") or node.get("package_name") != project:
            continue
        layer = _layer(node)
        if layer is None:
            continue
        cov = result[layer]
        name = node["name"]
        where = node.get("patch_path") or node.get("original_file_path")
        where = where.split("://", 1)[-1] if where else "no YAML entry"
        cov.models += 1
        if (node.get("description") or "").strip():
            cov.models_described += 1
        else:
            cov.missing.append(f"{layer}: {name}: model has no description ({where})")
        documented = {
            col_name.lower(): (col.get("description") or "").strip() for col_name, col in node["columns"].items()
        }
        entry = built.get(unique_id.lower())
        if entry is None:
            cov.missing.append(f"{layer}: {name}: not in catalog.json (not built?): its columns are not counted")
            continue
        for col_name in sorted(entry["columns"], key=lambda c: entry["columns"][c]["index"]):
            cov.columns += 1
            if documented.get(col_name.lower()):
                cov.columns_described += 1
            else:
                cov.missing.append(f"{layer}: {name}.{col_name}: column has no description ({where})")
        built_names = {c.lower() for c in entry["columns"]}
        for col_name in sorted(set(documented) - built_names):
            # Stale YAML: described but not built. Reported, not counted (the share is of built columns).
            cov.stale.append(f"{layer}: {name}.{col_name}: described in YAML but not built ({where})")
    return result


def load_coverage(target_dir: Path) -> dict[str, LayerCoverage]:
    return coverage(_read_json(target_dir / "manifest.json"), _read_json(target_dir / "catalog.json"))


def render(result: dict[str, LayerCoverage]) -> str:
    lines = [f"{'layer':<13} {'models described':>22} {'columns described':>24}"]
    for cov in result.values():
        models = f"{cov.models_described}/{cov.models} ({cov.model_share:.1%})"
        columns = f"{cov.columns_described}/{cov.columns} ({cov.column_share:.1%})"
        lines.append(f"{cov.layer:<13} {models:>22} {columns:>24}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m salesmart.docs_coverage", description=__doc__.split("\n")[0])
    parser.add_argument("--target-dir", type=Path, default=None, help="dbt target dir (default <project>/target)")
    parser.add_argument(
        "--require",
        nargs="*",
        choices=LAYERS,
        default=list(REQUIRED_LAYERS),
        help="layers that must be 100%% documented (default: staging marts)",
    )
    args = parser.parse_args(argv)
    target_dir = args.target_dir or project_root() / "target"
    try:
        result = load_coverage(target_dir)
    except ArtefactError as exc:
        print(f"docs coverage: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    failing = [layer for layer in args.require if not result[layer].complete]
    for cov in result.values():
        if cov.missing:
            required = cov.layer in args.require
            print(f"\n{cov.layer}: {len(cov.missing)} missing{'' if required else ' (not required)'}:")
            print("\n".join(f"  {line}" for line in cov.missing))
        if cov.stale:
            print(f"\n{cov.layer}: {len(cov.stale)} stale (warning only):")
            print("\n".join(f"  {line}" for line in cov.stale))
    if failing:
        print(f"\ndocs coverage: FAILED: {', '.join(failing)} under 100%", file=sys.stderr)
        return 1
    print(f"\ndocs coverage: OK ({', '.join(args.require)} at 100%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
