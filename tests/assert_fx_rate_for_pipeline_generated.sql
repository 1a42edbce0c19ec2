{#- metrics.yml 'money': a missing rate is an error, never a silent zero. Every opportunity amount that
    kpi_pipeline converts for pipeline_generated (at its created date, a day of int_calendar_days) must find a
    rate in int_fx_rates_daily. -#}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.currency_code,
        opportunities.created_date
    from opportunities
    inner join calendar_days
        on opportunities.created_date = calendar_days.date_day
    left join fx_rates_daily
        on
            opportunities.currency_code = fx_rates_daily.currency_code
            and opportunities.created_date = fx_rates_daily.rate_date
    where
        opportunities.amount is not null
        and fx_rates_daily.rate_to_reporting is null
)

select * from final
