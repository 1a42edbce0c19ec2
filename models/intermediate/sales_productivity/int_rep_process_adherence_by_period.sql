-- Per reporting period and rep with a closed opportunity: share of closed opportunities that followed
-- the process, and whether it reaches var process_adherence_threshold.
with

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

closed_opportunities as (

    select * from {{ ref('int_opportunity_process_adherence') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

rep_periods as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        closed_opportunities.owner_user_id as user_id,
        count(*) as closed_opportunity_count,
        sum(case when closed_opportunities.has_followed_process then 1 else 0 end)
            as process_followed_count
    from closed_opportunities
    inner join reporting_periods
        on closed_opportunities.closed_date between reporting_periods.period_start and reporting_periods.period_end
    group by
        reporting_periods.period_grain,
        reporting_periods.period_start,
        closed_opportunities.owner_user_id

),

final as (

    select
        rep_periods.period_grain,
        rep_periods.period_start,
        rep_periods.user_id,
        users.team,
        users.source_relation,
        rep_periods.closed_opportunity_count,
        rep_periods.process_followed_count,
        rep_periods.process_followed_count * 1.0 / rep_periods.closed_opportunity_count as process_followed_share,
        rep_periods.process_followed_count * 1.0 / rep_periods.closed_opportunity_count
        >= {{ var('process_adherence_threshold') }} as is_process_adherent
    from rep_periods
    inner join users
        on rep_periods.user_id = users.user_id
    where users.role = 'sales_rep'

)

select * from final
