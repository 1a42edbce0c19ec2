{#- One row per calendar day with its fiscal attributes (var fiscal_year_start_month). -#}

with

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

final as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        {{ iso_day_of_week('date_day') }} as iso_day_of_week,
        {{ iso_day_of_week('date_day') }} > 5 as is_weekend,
        month_start,
        {{ add_days(add_months('month_start', '1'), '-1') }} as month_end,
        fiscal_quarter_start,
        {{ add_days(add_months('fiscal_quarter_start', '3'), '-1') }} as fiscal_quarter_end,
        fiscal_year_start,
        {{ add_days(add_months('fiscal_year_start', '12'), '-1') }} as fiscal_year_end,
        {{ fiscal_year_number('date_day') }} as fiscal_year,
        cast(floor({{ fiscal_month_offset('date_day') }} / 3) as integer) + 1 as fiscal_quarter,
        {{ fiscal_month_offset('date_day') }} + 1 as fiscal_month
    from calendar_days
)

select * from final
