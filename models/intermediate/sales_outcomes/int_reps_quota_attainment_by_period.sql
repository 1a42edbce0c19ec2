{#- quota_attainment_rate per (period, slice): reps (CRM users with role sales_rep) with a quota > 0 in the
    period (sum of its monthly quotas), and those whose bookings in the period (won opportunities they own,
    amount at closed_at in the reporting currency, by closed_at) reach it. Slices: total (every period)
    and the registry's dims of quota_attainment_rate (team and territory of the rep). -#}

with

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

reps as (
    select
        user_id,
        team,
        territory_id as territory
    from users
    where role = 'sales_rep'
),

rep_quotas as (
    select
        periods.period_grain,
        periods.period_start,
        quotas.user_id,
        sum(quotas.quota_amount) as quota_amount
    from periods
    inner join quotas
        on
            periods.period_start <= quotas.period_month
            and periods.period_end >= quotas.period_month
    group by
        periods.period_grain,
        periods.period_start,
        quotas.user_id
),

rep_bookings as (
    select
        periods.period_grain,
        periods.period_start,
        opportunities.owner_user_id as user_id,
        sum(opportunities.amount_reporting) as bookings
    from periods
    inner join opportunities
        on
            periods.period_start <= opportunities.closed_date
            and periods.period_end >= opportunities.closed_date
    where opportunities.is_won
    group by
        periods.period_grain,
        periods.period_start,
        opportunities.owner_user_id
),

rep_periods as (
    select
        rep_quotas.period_grain,
        rep_quotas.period_start,
        rep_quotas.user_id,
        reps.team,
        reps.territory,
        coalesce(rep_bookings.bookings, 0) >= rep_quotas.quota_amount as is_at_quota
    from rep_quotas
    inner join reps
        on rep_quotas.user_id = reps.user_id
    left join rep_bookings
        on
            rep_quotas.period_grain = rep_bookings.period_grain
            and rep_quotas.period_start = rep_bookings.period_start
            and rep_quotas.user_id = rep_bookings.user_id
    where rep_quotas.quota_amount > 0
),

aggregated as (
    {{ kpi_rollup('rep_periods', none, kpi_metric_dimensions('quota_attainment_rate'), {
        'reps_at_quota': 'sum(case when is_at_quota then 1 else 0 end)',
        'reps_with_quota': 'count(*)',
    }) }}
),

keys as (
    {{ kpi_slice_keys(['aggregated']) }}
),

final as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        {{ kpi_ratio('aggregated.reps_at_quota', 'aggregated.reps_with_quota') }} as quota_attainment_rate,
        coalesce(aggregated.reps_at_quota, 0) as quota_attainment_rate_numerator,
        coalesce(aggregated.reps_with_quota, 0) as quota_attainment_rate_denominator
    from keys
    left join aggregated
        on
            keys.period_grain = aggregated.period_grain
            and keys.period_start = aggregated.period_start
            and keys.dimension_name = aggregated.dimension_name
            and keys.dimension_value = aggregated.dimension_value
)

select * from final
