"""The metric registry: spec/metrics.yml (the single source of truth) and the project's extension
spec/metrics_extra.yml (metrics beyond the read-only shared spec, appended after it, and the project's facts
about every metric: optional inputs, source-relation slicing, custom-field dimensions, headline rank, and its
form in the MetricFlow semantic layer).

Writes `macros/kpi/metric_catalog.sql` (macros `metric_catalog()` and `kpi_families()`),
`seeds/metric_catalog.csv`, the dbt docs page `models/marts/kpi/_metric_catalog.md` (docs blocks
`metric_catalog` and `__overview__`), the MetricFlow metrics `models/semantic/_metrics.yml` and the generated
part of `docs/semantic_layer.md`. Python reads the same facts through `registry()`, `headlines()`,
`metric_inputs()` and `semantic_helpers()`. Run `python -m salesmart.catalog` after editing either file;
`--check` exits 1 when the files drift.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from salesmart.contract import load_metric_catalog, load_metric_extensions

REPO_ROOT = Path(__file__).resolve().parents[2]
MACRO_PATH = Path("macros/kpi/metric_catalog.sql")
SEED_PATH = Path("seeds/metric_catalog.csv")
DOCS_PATH = Path("models/marts/kpi/_metric_catalog.md")
SEMANTIC_METRICS_PATH = Path("models/semantic/_metrics.yml")
SEMANTIC_MODELS_PATH = Path("models/semantic/_semantic_models.yml")
SEMANTIC_DOCS_PATH = Path("docs/semantic_layer.md")
SPEC_NAME = "scripts/salesmart/spec/metrics.yml"
EXTRA_SPEC_NAME = "scripts/salesmart/spec/metrics_extra.yml"

UNITS = {"count", "currency", "currency_per_day", "ratio", "score", "days", "hours", "years"}
DIRECTIONS = {"higher", "lower"}
INDICATORS = {"leading", "lagging"}
# Entities whose custom fields (var kpi_extra_dimensions) can slice a metric (field custom_dims).
CUSTOM_DIM_ENTITIES = {"opportunity"}
# Registry fields of metrics_extra.yml beyond the shared spec's (annotations, or an extension metric's entry).
REGISTRY_FIELDS = {"inputs", "source_relation", "custom_dims", "headline", "semantic"}
# The `semantic` field: a MetricFlow metric type and its keys, (required, optional), or type none with the reason
# MetricFlow cannot give the metric's kpi_metric_values value. Measures are those of
# models/semantic/_semantic_models.yml; metrics are registry metrics or semantic helpers (metrics_extra.yml).
SEMANTIC_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "simple": ({"measure"}, {"filter"}),
    "ratio": ({"numerator", "denominator"}, {"filter"}),
    "derived": ({"expr", "metrics"}, {"filter"}),
    "cumulative": ({"measure"}, {"window", "grain_to_date", "period_agg", "filter"}),
    "conversion": ({"entity", "base_measure", "conversion_measure"}, {"calculation", "window", "filter"}),
    "none": ({"reason"}, set()),
}
SEMANTIC_COMMON_KEYS = {"type", "label"}
PERIOD_AGGS = {"first", "last", "average"}
CONVERSION_CALCULATIONS = {"conversion_rate", "conversions"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
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
class SemanticForm:
    """A metric's form in the MetricFlow semantic layer (registry field `semantic`): its type and keys
    (SEMANTIC_KEYS), or type none and the reason MetricFlow cannot express it."""

    type: str
    params: tuple[tuple[str, str | tuple[str, ...]], ...] = ()  # the type's keys, in file order
    label: str = ""

    def get(self, key: str) -> str | tuple[str, ...]:
        return dict(self.params).get(key, "")

    @property
    def expressible(self) -> bool:
        return self.type != "none"

    def measures(self) -> list[str]:
        """Measures of _semantic_models.yml this form names."""
        keys = {"simple": ["measure"], "cumulative": ["measure"], "conversion": ["base_measure", "conversion_measure"]}
        return [str(self.get(key)) for key in keys.get(self.type, [])]

    def metrics(self) -> list[str]:
        """Semantic-layer metrics this form is built on."""
        if self.type == "ratio":
            return [str(self.get("numerator")), str(self.get("denominator"))]
        return list(self.get("metrics")) if self.type == "derived" else []


@dataclass(frozen=True)
class SemanticHelper:
    """A metric of the semantic layer that is no registry metric: a numerator, denominator or part of one
    (metrics_extra.yml `semantic_helpers`), queryable like the others."""

    name: str
    description: str
    form: SemanticForm


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
    semantic: SemanticForm | None = None  # form in the MetricFlow semantic layer


def _require(metric_id: str, spec: dict, field: str, allowed: set[str] | None = None, source: str = SPEC_NAME) -> str:
    value = spec.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{source}: metric '{metric_id}': field '{field}' is missing or empty")
    if allowed is not None and value not in allowed:
        raise CatalogError(
            f"{source}: metric '{metric_id}': field '{field}' is '{value}', expected one of {sorted(allowed)}"
        )
    return value


def _semantic_form(owner: str, value: object, source: str, allow_none: bool = True) -> SemanticForm:
    """The validated `semantic` field of a metric (or the form of a semantic helper)."""
    where = f"{source}: metric '{owner}': field 'semantic'"
    if not isinstance(value, dict):
        raise CatalogError(f"{where} must be a mapping with a 'type'")
    kind = value.get("type")
    types = sorted(SEMANTIC_KEYS) if allow_none else sorted(set(SEMANTIC_KEYS) - {"none"})
    if kind not in types:
        raise CatalogError(f"{where}: type is '{kind}', expected one of {types}")
    required, optional = SEMANTIC_KEYS[kind]
    keys = set(value) - SEMANTIC_COMMON_KEYS
    if required - keys:
        raise CatalogError(f"{where}: type {kind} needs {sorted(required - keys)}")
    if keys - required - optional:
        raise CatalogError(f"{where}: type {kind} takes no {sorted(keys - required - optional)}")
    params: list[tuple[str, str | tuple[str, ...]]] = []
    for key, item in value.items():
        if key in SEMANTIC_COMMON_KEYS:
            continue
        if key == "metrics":
            if (
                not isinstance(item, list)
                or not item
                or not all(isinstance(n, str) and NAME_PATTERN.match(n) for n in item)
            ):
                raise CatalogError(f"{where}: 'metrics' must list metric names")
            params.append((key, tuple(item)))
            continue
        if not isinstance(item, str) or not item.strip():
            raise CatalogError(f"{where}: '{key}' must be a non-empty string")
        named = key in {"measure", "numerator", "denominator", "base_measure", "conversion_measure", "entity"}
        if named and not NAME_PATTERN.match(item):
            raise CatalogError(f"{where}: '{key}' is '{item}', not a name")
        params.append((key, item))
    form = SemanticForm(kind, tuple(params), str(value.get("label", "")))
    if kind == "cumulative" and form.get("window") and form.get("grain_to_date"):
        raise CatalogError(f"{where}: a cumulative metric takes a window or a grain_to_date, not both")
    if kind == "cumulative" and form.get("period_agg") and form.get("period_agg") not in PERIOD_AGGS:
        raise CatalogError(f"{where}: period_agg must be one of {sorted(PERIOD_AGGS)}")
    if kind == "conversion" and form.get("calculation") and form.get("calculation") not in CONVERSION_CALCULATIONS:
        raise CatalogError(f"{where}: calculation must be one of {sorted(CONVERSION_CALCULATIONS)}")
    if kind == "derived":
        missing = [name for name in form.get("metrics") if not re.search(rf"\b{name}\b", str(form.get("expr")))]
        if missing:
            raise CatalogError(f"{where}: expr does not use its metrics {missing}")
    return form


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
    semantic = _semantic_form(metric_id, entry["semantic"], source) if "semantic" in entry else None
    return {
        "inputs": tuple(inputs),
        "source_relation": source_relation,
        "custom_dims": custom_dims,
        "headline": headline,
        "semantic": semantic,
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


def parse_semantic_helpers(extra: dict | None, metric_ids: set[str]) -> list[SemanticHelper]:
    """The semantic helpers of metrics_extra.yml (`semantic_helpers`: name -> description, optional label and a
    form as in a metric's `semantic` field, never type none), validated; their names are no registry metric's."""
    entries = (extra or {}).get("semantic_helpers") or {}
    if not isinstance(entries, dict):
        raise CatalogError(f"{EXTRA_SPEC_NAME}: 'semantic_helpers' must be a mapping of metric name to form")
    helpers = []
    for name, entry in entries.items():
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise CatalogError(f"{EXTRA_SPEC_NAME}: semantic helper '{name}' is not a name")
        if name in metric_ids:
            raise CatalogError(f"{EXTRA_SPEC_NAME}: semantic helper '{name}' is a registry metric")
        if not isinstance(entry, dict):
            raise CatalogError(f"{EXTRA_SPEC_NAME}: semantic helper '{name}' is not a mapping")
        description = _require(name, entry, "description", source=EXTRA_SPEC_NAME)
        form = _semantic_form(name, {k: v for k, v in entry.items() if k != "description"}, EXTRA_SPEC_NAME, False)
        helpers.append(SemanticHelper(name, description, form))
    return helpers


@cache
def semantic_helpers() -> tuple[SemanticHelper, ...]:
    """The semantic layer's metrics beyond the registry's (numerators, denominators, parts)."""
    return tuple(parse_semantic_helpers(load_metric_extensions(), {m.metric_id for m in registry()}))


def semantic_measures(root: Path = REPO_ROOT) -> set[str]:
    """Names of the measures of models/semantic/_semantic_models.yml."""
    spec = yaml.safe_load((root / SEMANTIC_MODELS_PATH).read_text(encoding="utf-8")) or {}
    return {m["name"] for model in spec.get("semantic_models") or [] for m in model.get("measures") or []}


def _semantic_label(name: str, form: SemanticForm) -> str:
    return form.label or name.replace("_", " ").capitalize()


def _semantic_entry(name: str, description: str, form: SemanticForm) -> dict:
    """One metric of models/semantic/_metrics.yml (MetricFlow's metric spec)."""
    if "{{" in description or "{%" in description:
        raise CatalogError(f"metric '{name}': its description holds Jinja, which dbt would render")
    get = form.get
    if form.type == "simple":
        type_params: dict = {"measure": get("measure")}
    elif form.type == "ratio":
        type_params = {"numerator": get("numerator"), "denominator": get("denominator")}
    elif form.type == "derived":
        type_params = {"expr": get("expr"), "metrics": [{"name": metric} for metric in get("metrics")]}
    elif form.type == "cumulative":
        cumulative = {key: get(key) for key in ("window", "grain_to_date", "period_agg") if get(key)}
        type_params = {"measure": get("measure"), **({"cumulative_type_params": cumulative} if cumulative else {})}
    else:  # conversion
        conversion = {
            "entity": get("entity"),
            "calculation": get("calculation") or "conversion_rate",
            "base_measure": {"name": get("base_measure")},
            "conversion_measure": {"name": get("conversion_measure")},
            **({"window": get("window")} if get("window") else {}),
        }
        type_params = {"conversion_type_params": conversion}
    entry = {
        "name": name,
        "label": _semantic_label(name, form),
        "description": description,
        "type": form.type,
        "type_params": type_params,
    }
    if get("filter"):
        entry["filter"] = get("filter")
    return entry


class _IndentedDumper(yaml.SafeDumper):
    """Indents lists under their key, as the project's hand-written YAML does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # filters quote SQL strings: double quotes read better than YAML's doubled single quotes
    style = '"' if "'" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_IndentedDumper.add_representer(str, _represent_str)


def check_semantic_layer(metrics: list[Metric], helpers: list[SemanticHelper], measures: set[str]) -> None:
    """Every registry metric has a semantic form; every measure a form names is one of `measures` and every
    metric it is built on is in the semantic layer."""
    missing = [m.metric_id for m in metrics if m.semantic is None]
    if missing:
        raise CatalogError(
            f"{EXTRA_SPEC_NAME}: metrics without field 'semantic' (their MetricFlow form, or type none and a "
            f"reason): {missing}"
        )
    names = {m.metric_id for m in metrics if m.semantic.expressible} | {h.name for h in helpers}
    forms = [(m.metric_id, m.semantic) for m in metrics] + [(h.name, h.form) for h in helpers]
    for name, form in forms:
        unknown = [measure for measure in form.measures() if measure not in measures]
        if unknown:
            raise CatalogError(
                f"{EXTRA_SPEC_NAME}: metric '{name}': measures {unknown} are not in {SEMANTIC_MODELS_PATH}"
            )
        absent = [metric for metric in form.metrics() if metric not in names]
        if absent:
            raise CatalogError(
                f"{EXTRA_SPEC_NAME}: metric '{name}': {absent} are neither semantic-layer metrics nor semantic helpers"
            )


def render_semantic_metrics(metrics: list[Metric], helpers: list[SemanticHelper]) -> str:
    entries = [_semantic_entry(m.metric_id, m.definition, m.semantic) for m in metrics if m.semantic.expressible]
    entries += [_semantic_entry(h.name, h.description, h.form) for h in helpers]
    body = yaml.dump(
        {"version": 2, "metrics": entries}, Dumper=_IndentedDumper, sort_keys=False, allow_unicode=True, width=10**6
    )
    header = [
        "# GENERATED by `python -m salesmart.catalog` from the `semantic` fields and `semantic_helpers` of",
        "# scripts/salesmart/spec/metrics_extra.yml (descriptions: the registry's definitions). Do not edit: change",
        "# those and re-run. Measures are those of _semantic_models.yml; metrics named as metrics.yml's metric_ids",
        "# answer as their total rows of kpi_metric_values (tests/python/test_semantic_layer.py).",
    ]
    return "\n".join(header) + "\n" + body


SEMANTIC_DOCS_BEGIN = "<!-- BEGIN generated by `python -m salesmart.catalog` from the registry: do not edit -->"
SEMANTIC_DOCS_END = "<!-- END generated -->"


def _semantic_parts(form: SemanticForm) -> str:
    """What a metric is built from, for a markdown table cell (a pipe escaped)."""
    if form.type == "derived":
        return f"`{form.get('expr')}`"
    parts = form.measures() + form.metrics()
    text = " / ".join(f"`{p}`" for p in parts) if form.type == "ratio" else ", ".join(f"`{p}`" for p in parts)
    text += f"; filter `{form.get('filter')}`" if form.get("filter") else ""
    return _md_pipes(text)


def _md_pipes(value: str) -> str:
    """A markdown table cell of docs/semantic_layer.md (plain markdown, not rendered by dbt: braces stay)."""
    return value.replace("|", "\\|")


def render_semantic_docs(text: str, metrics: list[Metric]) -> str:
    """`text` (docs/semantic_layer.md) with its generated block redone: the registry metrics in the semantic layer
    and those MetricFlow cannot express, with why."""
    if SEMANTIC_DOCS_BEGIN not in text or SEMANTIC_DOCS_END not in text:
        raise CatalogError(f"{SEMANTIC_DOCS_PATH}: the generated block's markers are missing")
    expressible = [m for m in metrics if m.semantic.expressible]
    others = [m for m in metrics if not m.semantic.expressible]
    lines = [
        SEMANTIC_DOCS_BEGIN,
        "",
        f"{len(expressible)} of the {len(metrics)} registry metrics are in the semantic layer.",
        "",
        "| metric_id | family | MetricFlow type | built from |",
        "|---|---|---|---|",
        *(f"| `{m.metric_id}` | {m.family} | {m.semantic.type} | {_semantic_parts(m.semantic)} |" for m in expressible),
        "",
        f"MetricFlow cannot express {len(others)} of them equal to `kpi_metric_values`:",
        "",
        "| metric_id | family | why not |",
        "|---|---|---|",
        *(f"| `{m.metric_id}` | {m.family} | {_md_pipes(str(m.semantic.get('reason')))} |" for m in others),
        "",
        SEMANTIC_DOCS_END,
    ]
    head, rest = text.split(SEMANTIC_DOCS_BEGIN, 1)
    return head + "\n".join(lines) + rest.split(SEMANTIC_DOCS_END, 1)[1]


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


def rendered_files(spec: dict | None = None, extra: dict | None = None, root: Path = REPO_ROOT) -> dict[Path, str]:
    """Relative path -> expected content of every generated file (by default from the packaged specs); the
    semantic layer's measures and the hand-written part of docs/semantic_layer.md are read under `root`."""
    if spec is None:
        spec, extra = load_metric_catalog(), load_metric_extensions()
    metrics = parse_metrics(spec, extra)
    helpers = parse_semantic_helpers(extra, {m.metric_id for m in metrics})
    check_semantic_layer(metrics, helpers, semantic_measures(root))
    families = {**(spec.get("families") or {}), **((extra or {}).get("families") or {})}
    return {
        MACRO_PATH: render_macro(metrics),
        SEED_PATH: render_seed(metrics),
        DOCS_PATH: render_docs(metrics, families),
        SEMANTIC_METRICS_PATH: render_semantic_metrics(metrics, helpers),
        SEMANTIC_DOCS_PATH: render_semantic_docs((root / SEMANTIC_DOCS_PATH).read_text(encoding="utf-8"), metrics),
    }


def drifted_files(root: Path = REPO_ROOT) -> list[Path]:
    """Generated files whose content differs from what metrics.yml gives."""
    return [
        path
        for path, text in rendered_files(root=root).items()
        if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != text
    ]


def write_files(root: Path = REPO_ROOT) -> list[Path]:
    written = []
    for path, text in rendered_files(root=root).items():
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
