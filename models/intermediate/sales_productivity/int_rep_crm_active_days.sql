-- CRM active days: one row per user and weekday with at least one user_events row (CRM adoption).
with

user_events as (

    select * from {{ ref('int_user_events_deduped') }}

),

event_days as (

    select distinct
        user_id,
        {{ reporting_date('event_at') }} as active_date
    from user_events

),

final as (

    select
        user_id,
        active_date
    from event_days
    -- Weekdays only: Saturday (6) and Sunday (0) do not count.
    where extract(dow from active_date) not in (0, 6)

)

select * from final
