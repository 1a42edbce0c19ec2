{#- Rate of every currency for every calendar day: the latest rate on or before the day. The reporting
    currency is always 1. Rates stay decimal(18, 4) as staged, so amounts convert exactly
    (macro reporting_amount). Days before a currency's first rate have no row, so a join that needs one
    leaves amount_reporting null, which the facts' not_null tests surface. -#}

with

fx_rates as (
    select * from {{ ref('stg_crm__fx_rates') }}
),

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

rate_validity as (
    select
        currency_code,
        rate_date,
        rate_to_reporting,
        lead(rate_date) over (partition by currency_code order by rate_date) as next_rate_date
    from fx_rates
    where currency_code <> '{{ var("reporting_currency") }}'
),

foreign_days as (
    select
        rate_validity.currency_code,
        calendar_days.date_day as rate_date,
        rate_validity.rate_to_reporting
    from rate_validity
    inner join calendar_days
        on
            rate_validity.rate_date <= calendar_days.date_day
            and (rate_validity.next_rate_date is null or rate_validity.next_rate_date > calendar_days.date_day)
),

reporting_days as (
    select
        '{{ var("reporting_currency") }}' as currency_code,
        date_day as rate_date,
        cast(1 as decimal(18, 4)) as rate_to_reporting
    from calendar_days
),

final as (
    select
        currency_code,
        rate_date,
        rate_to_reporting
    from foreign_days
    union all
    select
        currency_code,
        rate_date,
        rate_to_reporting
    from reporting_days
)

select * from final
