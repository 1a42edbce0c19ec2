{#
    KPI dimension `source_relation` (the CRM connection, docs/architecture.md "Several CRM connections").
    On when var salesmart_kpi_source_relation_dimension is true: `salesmart build` / `run` set it when the
    loaded CRM files come from more than one connection, so a single CRM gets no useless 'default' slice.
    Metrics sliced by it: those whose events are one CRM entity each (opportunities, order lines, leads),
    marked `source_relation: true` in the registry (metrics_extra.yml; metric_catalog()).
#}

{#- ['source_relation'] when the dimension is on (never in unit tests: they check a model's own logic), else []. -#}
{% macro kpi_source_relation_dimension() -%}
    {%- set value = var('salesmart_kpi_source_relation_dimension', false) -%}
    {%- set on = value is sameas true or (value is string and value | lower in ['true', '1', 'yes', 'on']) -%}
    {{ return(['source_relation'] if on and not salesmart_in_unit_test() else []) }}
{%- endmacro %}

{#- Select items (each followed by a comma) for the source_relation dimension when it is on. -#}
{% macro kpi_source_relation_column(prefix='') -%}
    {%- for dim in kpi_source_relation_dimension() %}
        {{ prefix }}{{ dim }},
    {%- endfor %}
{%- endmacro %}
