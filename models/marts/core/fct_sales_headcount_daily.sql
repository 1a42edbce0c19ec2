{#- Sales headcount per day (metrics.yml headcount convention, macro is_employed_on), every calendar day plus
    every reporting period's first and last day, with the employees' tenure in days summed. Semi-additive: average
    headcount of a period = (first day + last day) / 2 (kpi_recruiting_training); average tenure = tenure on the
    last day / headcount on it (the semantic layer). -#}

with

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

sales_employees as (
    select * from {{ ref('int_sales_employees') }}
),

-- period boundaries are added so every period's first and last day has a headcount,
-- even where the calendar stops short of a period's end
days as (
    select date_day as headcount_date from calendar_days
    union
    select period_start as headcount_date from reporting_periods
    union
    select period_end as headcount_date from reporting_periods
),

final as (
    select
        days.headcount_date,
        count(sales_employees.employee_id) as sales_headcount,
        -- LT05 judges the rendered line, and dbt.datediff renders long
        coalesce(sum({{ dbt.datediff('sales_employees.hire_date', 'days.headcount_date', 'day') }}), 0) as tenure_days_sum  -- noqa: LT05
    from days
    left join sales_employees
        on {{ is_employed_on('days.headcount_date', 'sales_employees') }}
    group by days.headcount_date
)

select * from final
