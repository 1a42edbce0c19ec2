{#- Every date from the start of the fiscal year holding the first event to the end of the fiscal year
    holding the as-of date, with its month, fiscal quarter and fiscal year. -#}

with

bounds as (
    select * from {{ ref('int_reporting_bounds') }}
),

day_numbers as (
    -- 1..40000 (about 109 years) is far more than any data set spans
    {{ dbt.generate_series(40000) }}
),

range_ as (
    select
        {{ fiscal_year_start('coalesce(least(first_event_date, as_of_date), as_of_date)') }} as range_start,
        {{ add_days(add_months(fiscal_year_start('as_of_date'), '12'), '-1') }} as range_end
    from bounds
    where as_of_date is not null
),

days as (
    select
        {{ add_days('range_.range_start', 'day_numbers.generated_number - 1') }} as date_day
    from range_
    cross join day_numbers
    where day_numbers.generated_number - 1 <= {{ days_between('range_.range_start', 'range_.range_end') }}
),

final as (
    select
        date_day,
        {{ month_start('date_day') }} as month_start,
        {{ fiscal_quarter_start('date_day') }} as fiscal_quarter_start,
        {{ fiscal_year_start('date_day') }} as fiscal_year_start
    from days
)

select * from final
