-- KPI family sales_productivity (metrics.yml): one row per period grain, period and slice; slices and
-- the dimensions each metric reports on come from the registry (kpi_rollup, kpi_slice_condition).
-- LT02 misreads the indentation of SQL that Jinja loops generate (it indents each loop's output
-- relative to the rendered text); the layout below follows the house style instead.
-- noqa: disable=LT02
{%- set rep_day_metrics = {
    'selling_hours_per_rep_day': 'selling_hours',
    'data_entry_hours_per_rep_day': 'data_entry_hours',
    'content_hours_per_rep_day': 'content_creation_hours',
} %}
{#- metric -> (numerator, denominator) measures; each metric's column is filled on its registry slices -#}
{%- set metric_parts = {} %}
{%- for metric_id, hours_column in rep_day_metrics.items() %}
    {%- do metric_parts.update({metric_id: ('rep_day_slices.' ~ hours_column, 'rep_day_slices.rep_day_count')}) %}
{%- endfor %}
{%- do metric_parts.update({
    'process_adherence_rate': ('process_adherence_slices.adherent_rep_count', 'process_adherence_slices.closing_rep_count'),
    'crm_adoption_rate': ('crm_adoption_slices.adopter_rep_count', 'crm_adoption_slices.active_rep_count'),
}) %}
with

rep_days as (

    select * from {{ ref('fct_rep_days') }}

),

rep_process_adherence as (

    select * from {{ ref('int_rep_process_adherence_by_period') }}

),

rep_crm_adoption as (

    select * from {{ ref('int_rep_crm_adoption_by_period') }}

),

-- rep-days (hours per category) once per reporting period holding the work date
rep_days_in_periods as (

    {{ kpi_assign_periods('rep_days', 'work_date') }}

),

rep_day_events as (

    select
        period_grain,
        period_start,
        user_id as rep,
        team,
        selling_hours,
        data_entry_hours,
        content_creation_hours
    from rep_days_in_periods

),

-- one rollup per event grain, each on the registry dims of the metrics it feeds
rep_day_slices as (

    {{ kpi_rollup('rep_day_events', none, kpi_metric_dimensions(rep_day_metrics.keys() | list), {
        'selling_hours': 'sum(selling_hours)',
        'data_entry_hours': 'sum(data_entry_hours)',
        'content_creation_hours': 'sum(content_creation_hours)',
        'rep_day_count': 'count(*)',
    }) }}

),

process_adherence_slices as (

    {{ kpi_rollup('rep_process_adherence', none, kpi_metric_dimensions('process_adherence_rate'), {
        'adherent_rep_count': 'sum(case when is_process_adherent then 1 else 0 end)',
        'closing_rep_count': 'count(*)',
    }) }}

),

crm_adoption_slices as (

    {{ kpi_rollup('rep_crm_adoption', none, kpi_metric_dimensions('crm_adoption_rate'), {
        'adopter_rep_count': 'sum(case when is_crm_adopter then 1 else 0 end)',
        'active_rep_count': 'count(*)',
    }) }}

),

-- Every period on the total slice, plus every slice with data.
slices as (

    {{ kpi_slice_keys(['rep_day_slices', 'process_adherence_slices', 'crm_adoption_slices']) }}

),

measures as (

    select
        slices.period_grain,
        slices.period_start,
        slices.dimension_name,
        slices.dimension_value,
        -- Zero where nothing happened on a slice the metric is defined for; null elsewhere.
        {%- for metric_id, (numerator, denominator) in metric_parts.items() %}
        case
            when {{ kpi_slice_condition(metric_id, 'slices') }}
                then cast(coalesce({{ numerator }}, 0) as {{ type_double() }})
        end as {{ metric_id }}_numerator,
        case
            when {{ kpi_slice_condition(metric_id, 'slices') }}
                then cast(coalesce({{ denominator }}, 0) as {{ type_double() }})
        end as {{ metric_id }}_denominator{{ ',' if not loop.last }}
        {%- endfor %}
    from slices
    {%- for rollup in ['rep_day_slices', 'process_adherence_slices', 'crm_adoption_slices'] %}
    left join {{ rollup }}
        on
            slices.period_grain = {{ rollup }}.period_grain
            and slices.period_start = {{ rollup }}.period_start
            and slices.dimension_name = {{ rollup }}.dimension_name
            and slices.dimension_value = {{ rollup }}.dimension_value
    {%- endfor %}

),

final as (

    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {%- for metric_id in metric_parts %}
        {{ metric_id }}_numerator / nullif({{ metric_id }}_denominator, 0) as {{ metric_id }},
        {{ metric_id }}_numerator,
        {{ metric_id }}_denominator{{ ',' if not loop.last }}
        {%- endfor %}
    from measures

)

select * from final
