{#
    KPI dimension `source_relation` (the CRM connection, docs/architecture.md "Several CRM connections").
    On when var salesmart_kpi_source_relation_dimension is true: `salesmart build` / `run` set it when the
    loaded CRM files come from more than one connection, so a single CRM gets no useless 'default' slice.
    Metrics sliced by it: those whose events are one CRM entity each (opportunities, order lines, leads).
#}
{% macro kpi_source_relation_metrics() -%}
    {{ return([
        'opportunities_created', 'opportunities_won', 'opportunities_lost', 'win_rate', 'bookings',
        'avg_deal_size', 'sales_cycle_days', 'pipeline_value', 'open_opportunities', 'stalled_opportunities',
        'win_rate_by_amount', 'avg_days_in_stage',
        'revenue', 'new_customer_revenue', 'existing_customer_revenue', 'gross_margin', 'average_sale_value',
        'leads_created', 'mqls', 'sqls', 'lead_to_opportunity_rate', 'lead_to_customer_rate',
        'lead_response_hours',
    ]) }}
{%- endmacro %}

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
