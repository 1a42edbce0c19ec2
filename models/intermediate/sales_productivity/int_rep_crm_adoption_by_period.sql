-- Per reporting period and active rep: CRM active weekdays against the period's weekdays.
with

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

active_days as (

    select * from {{ ref('int_rep_crm_active_days') }}

),

period_weekdays as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        count(*) as weekday_count
    from reporting_periods
    inner join calendar_days
        on calendar_days.date_day between reporting_periods.period_start and reporting_periods.period_end
    where {{ is_weekday('calendar_days.date_day') }}
    group by
        reporting_periods.period_grain,
        reporting_periods.period_start,
        reporting_periods.period_end

),

-- Active reps: role sales_rep, is_active, and already in the CRM by the period's last day.
active_reps as (

    select
        period_weekdays.period_grain,
        period_weekdays.period_start,
        period_weekdays.period_end,
        period_weekdays.weekday_count,
        users.user_id,
        users.team,
        users.source_relation
    from period_weekdays
    inner join users
        on {{ reporting_date('users.created_at') }} <= period_weekdays.period_end
    where
        users.role = 'sales_rep'
        and users.is_active

),

final as (

    select
        active_reps.period_grain,
        active_reps.period_start,
        active_reps.user_id,
        active_reps.team,
        active_reps.source_relation,
        active_reps.weekday_count,
        count(active_days.active_date) as active_day_count,
        count(active_days.active_date)
        >= {{ var('crm_active_day_share') }} * active_reps.weekday_count as is_crm_adopter
    from active_reps
    left join active_days
        on
            active_reps.user_id = active_days.user_id
            and active_days.active_date between active_reps.period_start and active_reps.period_end
    group by
        active_reps.period_grain,
        active_reps.period_start,
        active_reps.user_id,
        active_reps.team,
        active_reps.source_relation,
        active_reps.weekday_count

)

select * from final
