{#- MetricFlow's day-grain time spine: every date of dim_dates with its fiscal quarter and year starts,
    which MetricFlow offers as custom granularities (metric_time__fiscal_quarter, __fiscal_year). -#}

{{ config(schema='marts', materialized='table') }}

with

dates as (
    select * from {{ ref('dim_dates') }}
),

final as (
    select
        date_day,
        fiscal_quarter_start,
        fiscal_year_start
    from dates
)

select * from final
