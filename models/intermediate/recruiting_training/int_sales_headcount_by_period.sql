-- Average sales headcount of each reporting period = (headcount on first day + on last day) / 2.
with

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

headcount_daily as (

    select * from {{ ref('int_sales_headcount_daily') }}

),

final as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        first_day.sales_headcount as headcount_first_day,
        last_day.sales_headcount as headcount_last_day,
        (first_day.sales_headcount + last_day.sales_headcount) / 2.0 as avg_headcount
    from reporting_periods
    left join headcount_daily as first_day
        on reporting_periods.period_start = first_day.headcount_date
    left join headcount_daily as last_day
        on reporting_periods.period_end = last_day.headcount_date

)

select * from final
