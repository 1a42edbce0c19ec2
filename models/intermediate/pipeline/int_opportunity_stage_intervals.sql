{#- Contiguous stays of each non-deleted opportunity in a stage, from int_opportunity_state_intervals:
    consecutive state intervals with the same stage (an amount or close_date change) are one stay.
    exited_at is null while the opportunity is still in the stage; days_in_stage counts reporting dates
    from entry to exit (to the as-of date while still there). -#}

{%- set open_end = "cast('9999-12-31' as timestamp)" %}
{%- set exit_or_as_of -%}
    case when stays.valid_to < {{ open_end }} then {{ reporting_date('stays.valid_to') }} else bounds.as_of_date end
{%- endset %}

with

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

bounds as (
    select * from {{ ref('int_reporting_bounds') }}
),

-- 1 where the stage differs from the previous interval's: a new stay begins
flagged as (
    select
        opportunity_id,
        source_relation,
        stage_name,
        is_open,
        valid_from,
        valid_to,
        case
            when
                lag(stage_name) over (partition by opportunity_id order by valid_from) = stage_name
                then 0
            else 1
        end as is_new_stay
    from state_intervals
),

numbered as (
    select
        opportunity_id,
        source_relation,
        stage_name,
        is_open,
        valid_from,
        valid_to,
        sum(is_new_stay) over (
            partition by opportunity_id
            order by valid_from
            rows between unbounded preceding and current row
        ) as stay_number
    from flagged
),

stays as (
    select
        opportunity_id,
        source_relation,
        stay_number,
        stage_name,
        is_open,
        min(valid_from) as entered_at,
        max(valid_to) as valid_to
    from numbered
    group by opportunity_id, source_relation, stay_number, stage_name, is_open
),

final as (
    select
        stays.opportunity_id || '-' || cast(stays.stay_number as {{ dbt.type_string() }})
            as stage_interval_id,
        stays.opportunity_id,
        stays.source_relation,
        stays.stay_number,
        stays.stage_name,
        stays.is_open,
        row_number() over (
            partition by stays.opportunity_id, stays.stage_name
            order by stays.entered_at
        ) as entry_number,
        row_number() over (
            partition by stays.opportunity_id, stays.stage_name
            order by stays.entered_at
        ) > 1 as is_reentry,
        stays.entered_at,
        case when stays.valid_to < {{ open_end }} then stays.valid_to end as exited_at,
        stays.valid_to >= {{ open_end }} as is_current,
        {{ reporting_date('stays.entered_at') }} as entered_date,
        case when stays.valid_to < {{ open_end }} then {{ reporting_date('stays.valid_to') }} end as exited_date,
        {{ days_between(reporting_date('stays.entered_at'), exit_or_as_of) }} as days_in_stage  -- noqa: LT05
    from stays
    cross join bounds
)

select * from final
