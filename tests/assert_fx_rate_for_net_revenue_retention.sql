{#- metrics.yml 'money': a missing rate is an error, never a silent zero. kpi_sales_outcomes converts the mrr of
    subscriptions within a period (those of the accounts active on its first day) at the rate of the period's
    last day, the as-of date's in the period holding it, for net_revenue_retention: every subscription with an
    mrr within a period must find that rate in int_fx_rates_daily. -#}

with

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

subscriptions as (
    select * from {{ ref('stg_crm__subscriptions') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

needed_rates as (
    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        subscriptions.subscription_id,
        subscriptions.currency_code,
        case
            when reporting_periods.period_end < reporting_periods.as_of_date then reporting_periods.period_end
            else reporting_periods.as_of_date
        end as rate_date
    from reporting_periods
    inner join subscriptions
        on
            reporting_periods.period_end >= subscriptions.start_date
            and (subscriptions.end_date is null or reporting_periods.period_start <= subscriptions.end_date)
    where subscriptions.mrr is not null
),

final as (
    {{ missing_fx_rates() }}
)

select * from final
