{#- Rep-days (metrics.yml sales_productivity): one row per sales employee x work_date with any time entry,
    hours per time-entry category. The denominator of the hours-per-rep-day metrics. -#}

with

rep_days as (
    select * from {{ ref('int_rep_days') }}
),

final as (
    select
        employee_id || ':' || cast(work_date as {{ dbt.type_string() }}) as rep_day_id,
        employee_id,
        user_id,
        team,
        source_relation,
        work_date,
        selling_hours,
        prospect_research_hours,
        data_entry_hours,
        content_creation_hours,
        recruiting_hours,
        training_hours,
        admin_hours,
        other_hours,
        total_hours
    from rep_days
)

select * from final
