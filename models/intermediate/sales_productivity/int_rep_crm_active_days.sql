-- CRM active days: one row per user and weekday with at least one user_events row (CRM adoption).
with

user_events as (

    select * from {{ ref('int_user_events_deduped') }}

),

event_days as (

    select distinct
        user_id,
        source_relation,
        {{ reporting_date('event_at') }} as active_date
    from user_events

),

final as (

    select
        user_id,
        source_relation,
        active_date
    from event_days
    -- Weekdays only: Saturday and Sunday do not count.
    where {{ is_weekday('active_date') }}

)

select * from final
