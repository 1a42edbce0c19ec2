"""The generated catalog files must match metrics.yml, and bad entries must fail with a clear message."""

from __future__ import annotations

import csv
import io

import pytest

from salesmart import catalog
from salesmart.contract import load_metric_catalog, load_metric_extensions


def spec_metric_ids() -> list[str]:
    """Every metric id of metrics.yml, then those of metrics_extra.yml, in file order (what the files hold)."""
    return list(load_metric_catalog()["metrics"]) + list(load_metric_extensions()["metrics"])


def test_generated_files_match_metrics_yml() -> None:
    drifted = catalog.drifted_files()
    assert drifted == [], f"regenerate with `python -m salesmart.catalog`: {drifted}"


def test_seed_holds_every_metric_with_its_fields() -> None:
    rows = list(csv.DictReader(io.StringIO(catalog.rendered_files()[catalog.SEED_PATH])))
    # metrics.yml's metrics, then metrics_extra.yml's, in file order
    assert [r["metric_id"] for r in rows] == spec_metric_ids()
    by_id = {r["metric_id"]: r for r in rows}
    assert by_id["win_rate"]["family"] == "pipeline"
    assert by_id["win_rate"]["model"] == "kpi_pipeline"
    assert by_id["win_rate"]["unit"] == "ratio"
    assert by_id["win_rate"]["dims"] == "rep|team|segment|opportunity_type"
    assert by_id["sales_cycle_days"]["direction"] == "lower"
    assert by_id["customer_acquisition_cost"]["dims"] == ""
    # only stage_conversion_rate says "no total row"
    assert [r["metric_id"] for r in rows if r["has_total"] == "false"] == ["stage_conversion_rate"]


def test_bad_direction_names_file_metric_and_field() -> None:
    spec = load_metric_catalog()
    bad = {"families": spec["families"], "metrics": {"win_rate": dict(spec["metrics"]["win_rate"])}}
    bad["metrics"]["win_rate"]["direction"] = "up"
    with pytest.raises(catalog.CatalogError, match=r"metrics.yml: metric 'win_rate': field 'direction'"):
        catalog.parse_metrics(bad)


def test_extension_metrics_follow_the_shared_ones() -> None:
    rows = list(csv.DictReader(io.StringIO(catalog.rendered_files()[catalog.SEED_PATH])))
    extension_ids = list(load_metric_extensions()["metrics"])
    assert extension_ids[:3] == ["avg_days_in_stage", "stalled_opportunities", "win_rate_by_amount"]
    assert [r["metric_id"] for r in rows[-len(extension_ids) :]] == extension_ids
    by_id = {r["metric_id"]: r for r in rows}
    assert (by_id["avg_days_in_stage"]["unit"], by_id["avg_days_in_stage"]["dims"]) == ("days", "stage")
    assert by_id["stalled_opportunities"]["dims"] == "rep|team|stage|segment"
    assert by_id["win_rate_by_amount"]["dims"] == by_id["win_rate"]["dims"]
    assert (by_id["win_rate_by_amount"]["direction"], by_id["win_rate_by_amount"]["indicator"]) == ("higher", "lagging")


def test_extension_may_not_redefine_a_shared_metric() -> None:
    spec = load_metric_catalog()
    extra = {"metrics": {"win_rate": dict(spec["metrics"]["win_rate"])}}
    with pytest.raises(catalog.CatalogError, match=r"metrics_extra.yml: metric 'win_rate' is already defined"):
        catalog.parse_metrics(spec, extra)


def test_bad_extension_entry_names_the_extension_file() -> None:
    spec = load_metric_catalog()
    extra = {"metrics": {"x": dict(spec["metrics"]["win_rate"], unit="percent")}}
    with pytest.raises(catalog.CatalogError, match=r"metrics_extra.yml: metric 'x': field 'unit' is 'percent'"):
        catalog.parse_metrics(spec, extra)


def test_unknown_family_is_rejected() -> None:
    spec = load_metric_catalog()
    bad = {"families": spec["families"], "metrics": {"x": dict(spec["metrics"]["win_rate"], family="nope")}}
    with pytest.raises(catalog.CatalogError, match=r"metric 'x': field 'family' is 'nope'"):
        catalog.parse_metrics(bad)


def test_ordered_stages_macro_matches_contract() -> None:
    from salesmart.contract import opportunity_stages

    text = (catalog.REPO_ROOT / "macros/kpi/crm_stages.sql").read_text(encoding="utf-8")
    quoted = ", ".join(f"'{s}'" for s in opportunity_stages()["ordered"])
    assert f"return([{quoted}])" in text


def test_docs_page_lists_every_metric_with_its_fields() -> None:
    text = catalog.rendered_files()[catalog.DOCS_PATH]
    blocks = text.split("{% enddocs %}")
    assert blocks[0].count("{% docs metric_catalog %}") == 1 and "{% docs __overview__ %}" in blocks[1]
    for block in blocks[:2]:
        rows = [line for line in block.splitlines() if line.startswith("| `")]
        # every metric of metrics.yml and metrics_extra.yml once (grouped by family)
        assert sorted(row.split("`")[1] for row in rows) == sorted(spec_metric_ids())
        assert any(row.startswith("| `stalled_opportunities` |") for row in rows)
    win_rate = next(line for line in blocks[0].splitlines() if line.startswith("| `win_rate` |"))
    cells = [c.strip() for c in win_rate.strip("|").split(" | ")]
    assert cells[2:] == [
        "ratio",
        "higher is better",
        "lagging",
        "total, rep, team, segment, opportunity_type",
        "9 (win rate in sales velocity)",
    ]
    # stage_conversion_rate has no total row: its dimensions do not list total.
    stage = next(line for line in blocks[0].splitlines() if line.startswith("| `stage_conversion_rate` |"))
    assert "| stage |" in stage


def test_docs_page_escapes_pipes_and_jinja() -> None:
    metric = catalog.Metric("m", "f", "kpi_f", "count", "higher", "leading", ("rep",), True, "1", "a | b {{ x }}")
    text = catalog.render_docs([metric], {"f": {"model": "kpi_f", "seed": "s"}})
    assert "| a \\| b &#123;&#123; x &#125;&#125; |" in text


def test_semantic_layer_metrics_come_from_the_registry() -> None:
    import yaml

    generated = yaml.safe_load(catalog.rendered_files()[catalog.SEMANTIC_METRICS_PATH])["metrics"]
    by_name = {m["name"]: m for m in generated}
    expressible = [m for m in catalog.registry() if m.semantic.expressible]
    # every registry metric MetricFlow can express, named by metric_id and described by its definition
    assert [m["name"] for m in generated[: len(expressible)]] == [m.metric_id for m in expressible]
    for metric in expressible:
        assert by_name[metric.metric_id]["description"] == metric.definition
        assert by_name[metric.metric_id]["type"] == metric.semantic.type
    # the others are left out, each with a reason; helpers follow the registry metrics
    for metric in catalog.registry():
        if not metric.semantic.expressible:
            assert metric.metric_id not in by_name and metric.semantic.get("reason")
    assert [m["name"] for m in generated[len(expressible) :]] == [h.name for h in catalog.semantic_helpers()]
    assert by_name["win_rate"]["type_params"] == {
        "numerator": "opportunities_won",
        "denominator": "opportunities_closed",
    }
    assert by_name["turnover_rate"]["type_params"]["metrics"] == [
        {"name": "sales_terminations"},
        {"name": "avg_sales_headcount"},
    ]


def test_semantic_docs_list_what_metricflow_cannot_express() -> None:
    text = catalog.rendered_files()[catalog.SEMANTIC_DOCS_PATH]
    generated = text.split(catalog.SEMANTIC_DOCS_BEGIN)[1].split(catalog.SEMANTIC_DOCS_END)[0]
    for metric in catalog.registry():
        row = next(line for line in generated.splitlines() if line.startswith(f"| `{metric.metric_id}` |"))
        if not metric.semantic.expressible:
            assert row.endswith(f"| {metric.semantic.get('reason')} |")
        else:
            assert f"| {metric.semantic.type} |" in row


def _annotated(metric_id: str, semantic: object) -> tuple[dict, dict]:
    from salesmart.contract import load_metric_extensions

    extra = load_metric_extensions()
    annotations = {**extra["annotations"], metric_id: {**extra["annotations"][metric_id], "semantic": semantic}}
    return load_metric_catalog(), {**extra, "annotations": annotations}


def test_semantic_field_is_required() -> None:
    spec, extra = _annotated("win_rate", {})
    del extra["annotations"]["win_rate"]["semantic"]
    with pytest.raises(catalog.CatalogError, match=r"metrics without field 'semantic'.*\['win_rate'\]"):
        catalog.rendered_files(spec, extra)


@pytest.mark.parametrize(
    ("semantic", "message"),
    [
        ({"type": "average"}, r"metric 'win_rate': field 'semantic': type is 'average'"),
        ({"type": "ratio", "numerator": "opportunities_won"}, r"type ratio needs \['denominator'\]"),
        ({"type": "simple", "measure": "x", "window": "7 days"}, r"type simple takes no \['window'\]"),
        ({"type": "none"}, r"type none needs \['reason'\]"),
        ({"type": "derived", "expr": "a / 2", "metrics": ["a", "b"]}, r"expr does not use its metrics \['b'\]"),
        ({"type": "cumulative", "measure": "x", "window": "7 days", "grain_to_date": "month"}, r"not both"),
    ],
)
def test_bad_semantic_field_names_metric_and_problem(semantic: dict, message: str) -> None:
    spec, extra = _annotated("win_rate", semantic)
    with pytest.raises(catalog.CatalogError, match=message):
        catalog.parse_metrics(spec, extra)


@pytest.mark.parametrize(
    ("semantic", "message"),
    [
        (
            {"type": "simple", "measure": "no_such_measure"},
            r"metric 'win_rate': measures \['no_such_measure'\] are not in",
        ),
        (
            {"type": "ratio", "numerator": "opportunities_won", "denominator": "customer_churn_rate"},
            r"metric 'win_rate': \['customer_churn_rate'\] are neither semantic-layer metrics nor semantic helpers",
        ),
    ],
)
def test_semantic_field_must_name_existing_measures_and_metrics(semantic: dict, message: str) -> None:
    spec, extra = _annotated("win_rate", semantic)
    with pytest.raises(catalog.CatalogError, match=message):
        catalog.rendered_files(spec, extra)


def test_cumulative_and_conversion_forms_render_metricflow_type_params() -> None:
    cumulative = catalog._semantic_form(
        "m", {"type": "cumulative", "measure": "revenue_amount", "window": "12 months", "period_agg": "last"}, "x"
    )
    assert catalog._semantic_entry("m", "d", cumulative)["type_params"] == {
        "measure": "revenue_amount",
        "cumulative_type_params": {"window": "12 months", "period_agg": "last"},
    }
    conversion = catalog._semantic_form(
        "m",
        {
            "type": "conversion",
            "entity": "lead",
            "base_measure": "leads_created_count",
            "conversion_measure": "opportunities_created_count",
            "window": "30 days",
        },
        "x",
    )
    assert catalog._semantic_entry("m", "d", conversion)["type_params"] == {
        "conversion_type_params": {
            "entity": "lead",
            "calculation": "conversion_rate",
            "base_measure": {"name": "leads_created_count"},
            "conversion_measure": {"name": "opportunities_created_count"},
            "window": "30 days",
        }
    }
