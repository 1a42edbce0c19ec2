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

needed_rates as (
    select
        opportunities.opportunity_id,
        opportunities.currency_code,
        opportunities.created_date as rate_date
    from opportunities
    inner join calendar_days
        on opportunities.created_date = calendar_days.date_day
    where opportunities.amount is not null
),

final as (
    {{ missing_fx_rates() }}
)

select * from final
