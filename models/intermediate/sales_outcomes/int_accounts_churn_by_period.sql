{#- Customer churn per (period, slice): accounts active on the window's first day, and those of them not
    active on its last day (new customers do not offset lost ones). Two windows per period: the period itself
    (customer_churn_rate, customer_retention_rate) and the 12 months ending on the period's last day
    (*_12m, for customer_lifetime_value). Slices: total (every period) and the registry's dims of
    customer_churn_rate (segment, territory). -#}

with

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

active_intervals as (
    select * from {{ ref('int_accounts_active_intervals') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

windows as (
    select
        period_grain,
        period_start,
        'period' as window_kind,
        period_start as window_start,
        period_end as window_end
    from periods
    union all
    select
        period_grain,
        period_start,
        'trailing_12m' as window_kind,
        {{ add_months(add_days('period_end', '1'), '-12') }} as window_start,
        period_end as window_end
    from periods
),

active_at_start as (
    -- intervals of an account never overlap, so at most one covers a day
    select
        windows.period_grain,
        windows.period_start,
        windows.window_kind,
        windows.window_end,
        active_intervals.account_id
    from windows
    inner join active_intervals
        on {{ covers_day('windows.window_start', 'active_intervals.active_from', 'active_intervals.active_to') }}
),

account_windows as (
    select
        active_at_start.period_grain,
        active_at_start.period_start,
        active_at_start.window_kind,
        active_at_start.account_id,
        end_cover.account_id is null as is_lost,
        accounts.segment,
        accounts.territory_id as territory
    from active_at_start
    left join active_intervals as end_cover
        on
            active_at_start.account_id = end_cover.account_id
            and {{ covers_day('active_at_start.window_end', 'end_cover.active_from', 'end_cover.active_to') }}
    left join accounts
        on active_at_start.account_id = accounts.account_id
),

-- one row per (grain, period, window, account) rolled up to the slices of the registry's churn dims
aggregated as (
    {{ kpi_rollup('account_windows', none, kpi_metric_dimensions('customer_churn_rate'), {
        'accounts_active_start': "sum(case when window_kind = 'period' then 1 else 0 end)",
        'accounts_lost': "sum(case when window_kind = 'period' and is_lost then 1 else 0 end)",
        'accounts_active_start_12m': "sum(case when window_kind = 'trailing_12m' then 1 else 0 end)",
        'accounts_lost_12m': "sum(case when window_kind = 'trailing_12m' and is_lost then 1 else 0 end)",
    }) }}
),

-- the total slice exists for every period, with 0 accounts when nobody was active
keys as (
    {{ kpi_slice_keys(['aggregated']) }}
),

final as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        coalesce(aggregated.accounts_active_start, 0) as accounts_active_start,
        coalesce(aggregated.accounts_lost, 0) as accounts_lost,
        coalesce(aggregated.accounts_active_start, 0) - coalesce(aggregated.accounts_lost, 0) as accounts_retained,
        coalesce(aggregated.accounts_active_start_12m, 0) as accounts_active_start_12m,
        coalesce(aggregated.accounts_lost_12m, 0) as accounts_lost_12m,
        {{ kpi_ratio('aggregated.accounts_lost', 'aggregated.accounts_active_start') }} as customer_churn_rate,
        {{ kpi_ratio('aggregated.accounts_active_start - aggregated.accounts_lost',
            'aggregated.accounts_active_start') }}
            as customer_retention_rate,
        {{ kpi_ratio('aggregated.accounts_lost_12m', 'aggregated.accounts_active_start_12m') }}
            as customer_churn_rate_12m
    from keys
    left join aggregated
        on
            keys.period_grain = aggregated.period_grain
            and keys.period_start = aggregated.period_start
            and keys.dimension_name = aggregated.dimension_name
            and keys.dimension_value = aggregated.dimension_value
)

select * from final
