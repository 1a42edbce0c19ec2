{#- Every catalog metric of an enabled family whose inputs are switched on has rows in kpi_metric_values,
    as soon as there is a reporting period (an all-empty landing has none). Fails with the missing ids.
    Metrics without a total row (stage_conversion_rate) have rows only where their dimension has data. -#}

{%- set expected = [] %}
{%- for metric_id, entry in metric_catalog().items() %}
    {%- if entry['has_total'] and entry['family'] in kpi_families() and kpi_metric_available(metric_id) %}
        {%- do expected.append(metric_id) %}
    {%- endif %}
{%- endfor %}

with

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

metric_values as (
    select * from {{ ref('kpi_metric_values') }}
),

expected_metrics as (
    {%- for metric_id in expected %}
    select '{{ metric_id }}' as metric_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

reported_metrics as (
    select distinct metric_id
    from metric_values
),

final as (
    select expected_metrics.metric_id
    from expected_metrics
    left join reported_metrics
        on expected_metrics.metric_id = reported_metrics.metric_id
    where
        reported_metrics.metric_id is null
        and exists (select 1 from periods)
)

select * from final
