"""The metric registry: spec/metrics.yml (the single source of truth) and the project's extension
spec/metrics_extra.yml (metrics beyond the read-only shared spec, appended after it, and the project's facts
about every metric: optional inputs, source-relation slicing, custom-field dimensions, headline rank).

Writes `macros/kpi/metric_catalog.sql` (macros `metric_catalog()` and `kpi_families()`),
`seeds/metric_catalog.csv` and the dbt docs page `models/marts/kpi/_metric_catalog.md` (docs blocks
`metric_catalog` and `__overview__`). Python reads the same facts through `registry()`, `headlines()` and
`metric_inputs()`. Run `python -m salesmart.catalog` after editing either file; `--check` exits 1 when the
files drift.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from salesmart.contract import load_metric_catalog, load_metric_extensions

REPO_ROOT = Path(__file__).resolve().parents[2]
MACRO_PATH = Path("macros/kpi/metric_catalog.sql")
SEED_PATH = Path("seeds/metric_catalog.csv")
DOCS_PATH = Path("models/marts/kpi/_metric_catalog.md")
SPEC_NAME = "scripts/salesmart/spec/metrics.yml"
EXTRA_SPEC_NAME = "scripts/salesmart/spec/metrics_extra.yml"

UNITS = {"count", "currency", "currency_per_day", "ratio", "score", "days", "hours", "years"}
DIRECTIONS = {"higher", "lower"}
INDICATORS = {"leading", "lagging"}
# Entities whose custom fields (var kpi_extra_dimensions) can slice a metric (field custom_dims).
CUSTOM_DIM_ENTITIES = {"opportunity"}
# Registry fields of metrics_extra.yml beyond the shared spec's (annotations, or an extension metric's entry).
REGISTRY_FIELDS = {"inputs", "source_relation", "custom_dims", "headline"}
# Metrics whose definition says "no total row" (stage_conversion_rate): only dimension rows exist.
NO_TOTAL_MARKER = "no total row"
SEED_COLUMNS = [
    "metric_id",
    "family",
    "model",
    "unit",
    "direction",
    "indicator",
    "dims",
    "has_total",
    "seed",
    "definition",
]


class CatalogError(ValueError):
    """metrics.yml breaks the catalog rules; the message names the file, metric and field."""


@dataclass(frozen=True)
class Metric:
    metric_id: str
    family: str
    model: str
    unit: str
    direction: str
    indicator: str
    dims: tuple[str, ...]
    has_total: bool
    seed: str
    definition: str
    inputs: tuple[str, ...] = ()  # optional switches it needs, all on, to be reported
    source_relation: bool = False  # sliced by CRM connection when that dimension is on
    custom_dims: str = ""  # entity whose custom-field dimensions slice it
    headline: int | None = None  # rank among its family's headline KPIs


def _require(metric_id: str, spec: dict, field: str, allowed: set[str] | None = None, source: str = SPEC_NAME) -> str:
    value = spec.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{source}: metric '{metric_id}': field '{field}' is missing or empty")
    if allowed is not None and value not in allowed:
        raise CatalogError(
            f"{source}: metric '{metric_id}': field '{field}' is '{value}', expected one of {sorted(allowed)}"
        )
    return value


def _registry_fields(metric_id: str, entry: dict, source: str) -> dict:
    """The registry fields of one metric (annotation or extension entry), validated."""
    from salesmart.optional import SWITCHES  # optional reads the registry: import here, not at module level

    unknown = sorted(set(entry) - REGISTRY_FIELDS)
    if unknown:
        raise CatalogError(f"{source}: metric '{metric_id}': unknown registry fields {unknown}")
    inputs = entry.get("inputs", [])
    switches = {s.name for s in SWITCHES}
    if not isinstance(inputs, list) or not all(name in switches for name in inputs):
        raise CatalogError(
            f"{source}: metric '{metric_id}': field 'inputs' must list switches of {sorted(switches)}, got {inputs}"
        )
    source_relation = entry.get("source_relation", False)
    if not isinstance(source_relation, bool):
        raise CatalogError(f"{source}: metric '{metric_id}': field 'source_relation' must be true or false")
    custom_dims = entry.get("custom_dims", "")
    if custom_dims and custom_dims not in CUSTOM_DIM_ENTITIES:
        raise CatalogError(
            f"{source}: metric '{metric_id}': field 'custom_dims' is '{custom_dims}', "
            f"expected one of {sorted(CUSTOM_DIM_ENTITIES)}"
        )
    headline = entry.get("headline")
    if headline is not None and (not isinstance(headline, int) or isinstance(headline, bool) or headline < 1):
        raise CatalogError(f"{source}: metric '{metric_id}': field 'headline' must be a rank (1, 2, ...)")
    return {
        "inputs": tuple(inputs),
        "source_relation": source_relation,
        "custom_dims": custom_dims,
        "headline": headline,
    }


def parse_metrics(spec: dict, extra: dict | None = None) -> list[Metric]:
    """Validate metrics.yml content (and the metrics of metrics_extra.yml, which use metrics.yml's families
    and must not repeat its ids, and its annotations of metrics.yml's metrics) and return the metrics in file
    order, the extension's last."""
    families = spec.get("families") or {}
    base = spec.get("metrics") or {}
    extra_metrics = (extra or {}).get("metrics") or {}
    annotations = (extra or {}).get("annotations") or {}
    if not isinstance(extra_metrics, dict):
        raise CatalogError(f"{EXTRA_SPEC_NAME}: 'metrics' must be a mapping of metric_id to entry")
    if not isinstance(annotations, dict):
        raise CatalogError(f"{EXTRA_SPEC_NAME}: 'annotations' must be a mapping of metric_id to registry fields")
    for metric_id in extra_metrics:
        if metric_id in base:
            raise CatalogError(f"{EXTRA_SPEC_NAME}: metric '{metric_id}' is already defined in {SPEC_NAME}")
    for metric_id, entry in annotations.items():
        if metric_id not in base:
            raise CatalogError(f"{EXTRA_SPEC_NAME}: annotations name '{metric_id}', which is not in {SPEC_NAME}")
        if not isinstance(entry, dict):
            raise CatalogError(f"{EXTRA_SPEC_NAME}: annotations of '{metric_id}' are not a mapping")
    entries = [(metric_id, entry, SPEC_NAME) for metric_id, entry in base.items()]
    entries += [(metric_id, entry, EXTRA_SPEC_NAME) for metric_id, entry in extra_metrics.items()]
    metrics: list[Metric] = []
    for metric_id, entry, source in entries:
        if not isinstance(entry, dict):
            raise CatalogError(f"{source}: metric '{metric_id}' is not a mapping")
        family = _require(metric_id, entry, "family", set(families), source)
        dims = entry.get("dims", [])
        if not isinstance(dims, list) or not all(isinstance(d, str) and d for d in dims):
            raise CatalogError(f"{source}: metric '{metric_id}': field 'dims' must be a list of names")
        if "total" in dims:
            raise CatalogError(f"{source}: metric '{metric_id}': field 'dims' must not list 'total'")
        definition = _require(metric_id, entry, "definition", source=source)
        if source == SPEC_NAME:
            facts = _registry_fields(metric_id, annotations.get(metric_id, {}), EXTRA_SPEC_NAME)
        else:
            facts = _registry_fields(metric_id, {k: v for k, v in entry.items() if k in REGISTRY_FIELDS}, source)
        metrics.append(
            Metric(
                metric_id=metric_id,
                family=family,
                model=families[family]["model"],
                unit=_require(metric_id, entry, "unit", UNITS, source),
                direction=_require(metric_id, entry, "direction", DIRECTIONS, source),
                indicator=_require(metric_id, entry, "indicator", INDICATORS, source),
                dims=tuple(dims),
                has_total=NO_TOTAL_MARKER not in definition.lower(),
                seed=str(entry.get("seed", "")),
                definition=definition,
                **facts,
            )
        )
    for family in families:
        ranks = [m.headline for m in metrics if m.family == family and m.headline is not None]
        if len(ranks) != len(set(ranks)):
            raise CatalogError(f"{EXTRA_SPEC_NAME}: family '{family}': two metrics share a headline rank")
    return metrics


@cache
def registry() -> tuple[Metric, ...]:
    """Every metric the project builds (metrics.yml, then metrics_extra.yml), with its registry facts."""
    return tuple(parse_metrics(load_metric_catalog(), load_metric_extensions()))


def headlines(metrics: tuple[Metric, ...] | list[Metric] | None = None) -> dict[str, list[str]]:
    """family -> its headline metric ids by rank (families in catalog order, those with headlines only)."""
    out: dict[str, list[Metric]] = {}
    for m in registry() if metrics is None else metrics:
        if m.headline is not None:
            out.setdefault(m.family, []).append(m)
    return {family: [m.metric_id for m in sorted(ms, key=lambda m: m.headline)] for family, ms in out.items()}


def metric_inputs(metrics: tuple[Metric, ...] | list[Metric] | None = None) -> dict[str, tuple[str, ...]]:
    """metric_id -> the optional switches it needs (metrics that need none are left out)."""
    return {m.metric_id: m.inputs for m in (registry() if metrics is None else metrics) if m.inputs}


def _jinja_str(value: str) -> str:
    # JSON string literals are valid Jinja string literals.
    return json.dumps(value, ensure_ascii=False)


def render_macro(metrics: list[Metric]) -> str:
    lines = [
        "{#- GENERATED by `python -m salesmart.catalog` from scripts/salesmart/spec/metrics.yml",
        "    and scripts/salesmart/spec/metrics_extra.yml. Do not edit: change those and re-run. -#}",
        "{% macro metric_catalog() -%}",
        "    {%- set catalog = {",
    ]
    for i, m in enumerate(metrics):
        dims = ", ".join(_jinja_str(d) for d in m.dims)
        comma = "," if i < len(metrics) - 1 else ""
        lines += [
            f"        {_jinja_str(m.metric_id)}: {{",
            f"            'family': {_jinja_str(m.family)},",
            f"            'model': {_jinja_str(m.model)},",
            f"            'unit': {_jinja_str(m.unit)},",
            f"            'direction': {_jinja_str(m.direction)},",
            f"            'indicator': {_jinja_str(m.indicator)},",
            f"            'dims': [{dims}],",
            f"            'has_total': {'true' if m.has_total else 'false'},",
            f"            'inputs': [{', '.join(_jinja_str(i) for i in m.inputs)}],",
            f"            'source_relation': {'true' if m.source_relation else 'false'},",
            f"            'custom_dims': {_jinja_str(m.custom_dims)},",
            f"        }}{comma}",
        ]
    lines += ["    } -%}", "    {{ return(catalog) }}", "{%- endmacro %}", ""]
    families = list(dict.fromkeys(m.family for m in metrics))
    lines += [
        "",
        "{#- The families kpi_metric_values unions (model kpi_<family>), in catalog order. -#}",
        "{% macro kpi_families() -%}",
        f"    {{{{ return([{', '.join(_jinja_str(f) for f in families)}]) }}}}",
        "{%- endmacro %}",
        "",
    ]
    return "\n".join(lines)


def render_seed(metrics: list[Metric]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for m in metrics:
        writer.writerow(
            [
                m.metric_id,
                m.family,
                m.model,
                m.unit,
                m.direction,
                m.indicator,
                "|".join(m.dims),
                "true" if m.has_total else "false",
                m.seed,
                m.definition,
            ]
        )
    return buffer.getvalue()


def _md_cell(value: str) -> str:
    # A pipe would end the table cell; Jinja braces would be rendered by dbt.
    return value.replace("|", "\\|").replace("{", "&#123;").replace("}", "&#125;").replace("\n", " ")


def _metric_tables(metrics: list[Metric], families: dict) -> list[str]:
    lines: list[str] = []
    for family, info in families.items():
        members = [m for m in metrics if m.family == family]
        if not members:
            continue
        lines += [
            "",
            f"### {family} ({len(members)} metrics)",
            "",
            f"Model `{info['model']}`; seed reference: {_md_cell(str(info.get('seed', '')))}.",
            "",
            "| metric_id | definition and formula | unit | direction | indicator | dimensions | seed |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in members:
            dims = ", ".join(("total", *m.dims) if m.has_total else m.dims) or "total"
            direction = f"{m.direction} is better"
            lines.append(
                f"| `{m.metric_id}` | {_md_cell(m.definition)} | {m.unit} | {direction} | {m.indicator} "
                f"| {dims} | {_md_cell(m.seed)} |"
            )
    return lines


CATALOG_INTRO = [
    "Every KPI of salesmart, generated from `scripts/salesmart/spec/metrics.yml` (the shared spec) and",
    "`metrics_extra.yml` (project metrics beyond it) by `python -m salesmart.catalog` (do not edit:",
    "`--check` and tests/python/test_catalog.py fail on drift).",
    "Each metric is a column of its family model (`kpi_<family>`) and rows of `marts.kpi_metric_values`",
    "(`metric_id`, period, dimension slice, `value`). Ratios and averages store a fraction and carry",
    "`numerator` / `denominator`, so slices can be re-aggregated; a value is null when its denominator is 0.",
    "Money is in the reporting currency (var `reporting_currency`, default USD). `direction` says which way",
    "is better; `indicator` says whether the metric predicts results (leading) or records them (lagging).",
]

OVERVIEW_INTRO = [
    "# salesmart",
    "",
    "A sales-analytics warehouse: raw CRM, e-mail, marketing and HR extracts are loaded into DuckDB,",
    "staged (`staging`: one view per source table, latest version per key, PII hashed or dropped),",
    "modelled (`intermediate`: calendar, fx, state intervals and per-family event models) and published",
    "as marts (`marts`: dimensions, facts, one wide `kpi_<family>` model per metric family and the long",
    "`kpi_metric_values` table). BI tools read the published copy `<home>/salesmart.duckdb` read-only;",
    "see the README's BI access section and the exposures of this project.",
    "",
    "## Metric catalog",
    "",
]


def render_docs(metrics: list[Metric], families: dict) -> str:
    tables = _metric_tables(metrics, families)
    lines = [
        "{#- GENERATED by `python -m salesmart.catalog` from scripts/salesmart/spec/metrics.yml and",
        "    metrics_extra.yml. Do not edit: change those files and re-run. -#}",
        "{% docs metric_catalog %}",
        *CATALOG_INTRO,
        *tables,
        "{% enddocs %}",
        "",
        "{% docs __overview__ %}",
        *OVERVIEW_INTRO,
        *CATALOG_INTRO,
        *tables,
        "{% enddocs %}",
        "",
    ]
    return "\n".join(lines)


def rendered_files(spec: dict | None = None, extra: dict | None = None) -> dict[Path, str]:
    """Relative path -> expected content of every generated file (by default from the packaged specs)."""
    if spec is None:
        spec, extra = load_metric_catalog(), load_metric_extensions()
    metrics = parse_metrics(spec, extra)
    families = {**(spec.get("families") or {}), **((extra or {}).get("families") or {})}
    return {
        MACRO_PATH: render_macro(metrics),
        SEED_PATH: render_seed(metrics),
        DOCS_PATH: render_docs(metrics, families),
    }


def drifted_files(root: Path = REPO_ROOT) -> list[Path]:
    """Generated files whose content differs from what metrics.yml gives."""
    return [
        path
        for path, text in rendered_files().items()
        if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != text
    ]


def write_files(root: Path = REPO_ROOT) -> list[Path]:
    written = []
    for path, text in rendered_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        drifted = drifted_files()
        for path in drifted:
            print(f"{path} is out of date with {SPEC_NAME} / {EXTRA_SPEC_NAME}; run `python -m salesmart.catalog`")
        return 1 if drifted else 0
    if args:
        print("usage: python -m salesmart.catalog [--check]", file=sys.stderr)
        return 2
    for path in write_files():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
