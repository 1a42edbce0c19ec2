{#- customer_lifetime_value per (period, slice) over the 12 months ending on the period's last day:
    annual gross profit per customer (gross profit / accounts with a booked order in those months) x
    lifetime years (1 / customer churn of those 12 months, capped at var clv_max_years and equal to the
    cap when churn is 0; null when no account was active at the window's start). Slices: total and the
    registry's dims of customer_lifetime_value (segment). -#}

{%- set max_years = var('clv_max_years') | float %}

with

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_enriched') }}
),

churn as (
    select * from {{ ref('int_accounts_churn_by_period') }}
),

windows as (
    select
        period_grain,
        period_start,
        {{ add_months(add_days('period_end', '1'), '-12') }} as window_start,
        period_end as window_end
    from periods
),

window_lines as (
    select
        windows.period_grain,
        windows.period_start,
        order_lines.account_id,
        order_lines.segment,
        order_lines.revenue_reporting - order_lines.cogs_reporting as gross_profit_reporting
    from windows
    inner join order_lines
        on
            windows.window_start <= order_lines.order_date
            and windows.window_end >= order_lines.order_date
),

-- the registry dims of customer_lifetime_value
profit as (
    {{ kpi_rollup('window_lines', none, kpi_metric_dimensions('customer_lifetime_value'), {
        'gross_profit_12m': 'sum(gross_profit_reporting)',
        'customers_12m': 'count(distinct account_id)',
    }) }}
),

churn_slices as (
    select * from churn
    where {{ kpi_slice_condition('customer_lifetime_value') }}
),

keys as (
    {{ kpi_slice_keys(['churn_slices', 'profit']) }}
),

lifetimes as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        coalesce(profit.gross_profit_12m, 0) as gross_profit_12m,
        coalesce(profit.customers_12m, 0) as customers_12m,
        churn_slices.customer_churn_rate_12m,
        case
            when churn_slices.customer_churn_rate_12m is null then null
            when churn_slices.customer_churn_rate_12m = 0 then {{ max_years }}
            else least(1 / churn_slices.customer_churn_rate_12m, {{ max_years }})
        end as lifetime_years
    from keys
    left join profit
        on
            keys.period_grain = profit.period_grain
            and keys.period_start = profit.period_start
            and keys.dimension_name = profit.dimension_name
            and keys.dimension_value = profit.dimension_value
    left join churn_slices
        on
            keys.period_grain = churn_slices.period_grain
            and keys.period_start = churn_slices.period_start
            and keys.dimension_name = churn_slices.dimension_name
            and keys.dimension_value = churn_slices.dimension_value
),

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        gross_profit_12m,
        customers_12m,
        customer_churn_rate_12m,
        lifetime_years,
        {{ kpi_ratio('gross_profit_12m * lifetime_years', 'customers_12m') }} as customer_lifetime_value,
        gross_profit_12m * lifetime_years as customer_lifetime_value_numerator,
        case when lifetime_years is not null then customers_12m end as customer_lifetime_value_denominator
    from lifetimes
)

select * from final
