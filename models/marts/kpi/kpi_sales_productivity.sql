-- KPI family sales_productivity (metrics.yml): one row per period grain, period and slice.
-- LT02 misreads the indentation of SQL that Jinja loops generate (it indents each loop's output
-- relative to the rendered text); the layout below follows the house style instead.
-- noqa: disable=LT02
{%- set rep_day_metrics = {
    'selling_hours_per_rep_day': 'selling_hours',
    'data_entry_hours_per_rep_day': 'data_entry_hours',
    'content_hours_per_rep_day': 'content_creation_hours',
} %}
with

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

rep_days as (

    select * from {{ ref('int_rep_days') }}

),

rep_process_adherence as (

    select * from {{ ref('int_rep_process_adherence_by_period') }}

),

rep_crm_adoption as (

    select * from {{ ref('int_rep_crm_adoption_by_period') }}

),

rep_days_in_periods as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        coalesce(rep_days.user_id, 'unknown') as rep,
        coalesce(rep_days.team, 'unknown') as team,
        rep_days.selling_hours,
        rep_days.data_entry_hours,
        rep_days.content_creation_hours
    from rep_days
    inner join reporting_periods
        on rep_days.work_date between reporting_periods.period_start and reporting_periods.period_end

),

rep_day_slices as (

    {%- for dimension in ['total', 'rep', 'team'] %}
    select
        period_grain,
        period_start,
        '{{ dimension }}' as dimension_name,
        {{ "'total'" if dimension == 'total' else dimension }} as dimension_value,
        sum(selling_hours) as selling_hours,
        sum(data_entry_hours) as data_entry_hours,
        sum(content_creation_hours) as content_creation_hours,
        count(*) as rep_day_count
    from rep_days_in_periods
    group by 1, 2, 3, 4
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

process_adherence_slices as (

    {%- for dimension in ['total', 'team'] %}
    select
        period_grain,
        period_start,
        '{{ dimension }}' as dimension_name,
        {{ "'total'" if dimension == 'total' else "coalesce(team, 'unknown')" }} as dimension_value,
        sum(case when is_process_adherent then 1 else 0 end) as adherent_rep_count,
        count(*) as closing_rep_count
    from rep_process_adherence
    group by 1, 2, 3, 4
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

crm_adoption_slices as (

    {%- for dimension in ['total', 'team'] %}
    select
        period_grain,
        period_start,
        '{{ dimension }}' as dimension_name,
        {{ "'total'" if dimension == 'total' else "coalesce(team, 'unknown')" }} as dimension_value,
        sum(case when is_crm_adopter then 1 else 0 end) as adopter_rep_count,
        count(*) as active_rep_count
    from rep_crm_adoption
    group by 1, 2, 3, 4
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- Every period on the total slice, plus every slice with data.
slices as (

    select
        period_grain,
        period_start,
        'total' as dimension_name,
        'total' as dimension_value
    from reporting_periods
    union
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value
    from rep_day_slices
    union
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value
    from process_adherence_slices
    union
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value
    from crm_adoption_slices

),

measures as (

    select
        slices.period_grain,
        slices.period_start,
        slices.dimension_name,
        slices.dimension_value,
        -- Zero where nothing happened on a slice the metric is defined for; null elsewhere.
        {%- for metric_id, hours_column in rep_day_metrics.items() %}
        case
            when slices.dimension_name in ('total', 'rep', 'team')
                then cast(coalesce(rep_day_slices.{{ hours_column }}, 0) as {{ type_double() }})
        end as {{ metric_id }}_numerator,
        case
            when slices.dimension_name in ('total', 'rep', 'team')
                then cast(coalesce(rep_day_slices.rep_day_count, 0) as {{ type_double() }})
        end as {{ metric_id }}_denominator,
        {%- endfor %}
        case
            when slices.dimension_name in ('total', 'team')
                then cast(coalesce(process_adherence_slices.adherent_rep_count, 0) as {{ type_double() }})
        end as process_adherence_rate_numerator,
        case
            when slices.dimension_name in ('total', 'team')
                then cast(coalesce(process_adherence_slices.closing_rep_count, 0) as {{ type_double() }})
        end as process_adherence_rate_denominator,
        case
            when slices.dimension_name in ('total', 'team')
                then cast(coalesce(crm_adoption_slices.adopter_rep_count, 0) as {{ type_double() }})
        end as crm_adoption_rate_numerator,
        case
            when slices.dimension_name in ('total', 'team')
                then cast(coalesce(crm_adoption_slices.active_rep_count, 0) as {{ type_double() }})
        end as crm_adoption_rate_denominator
    from slices
    left join rep_day_slices
        on
            slices.period_grain = rep_day_slices.period_grain
            and slices.period_start = rep_day_slices.period_start
            and slices.dimension_name = rep_day_slices.dimension_name
            and slices.dimension_value = rep_day_slices.dimension_value
    left join process_adherence_slices
        on
            slices.period_grain = process_adherence_slices.period_grain
            and slices.period_start = process_adherence_slices.period_start
            and slices.dimension_name = process_adherence_slices.dimension_name
            and slices.dimension_value = process_adherence_slices.dimension_value
    left join crm_adoption_slices
        on
            slices.period_grain = crm_adoption_slices.period_grain
            and slices.period_start = crm_adoption_slices.period_start
            and slices.dimension_name = crm_adoption_slices.dimension_name
            and slices.dimension_value = crm_adoption_slices.dimension_value

),

final as (

    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {%- for metric_id in rep_day_metrics.keys() | list + ['process_adherence_rate', 'crm_adoption_rate'] %}
        {{ metric_id }}_numerator / nullif({{ metric_id }}_denominator, 0) as {{ metric_id }},
        {{ metric_id }}_numerator,
        {{ metric_id }}_denominator{{ ',' if not loop.last }}
        {%- endfor %}
    from measures

)

select * from final
