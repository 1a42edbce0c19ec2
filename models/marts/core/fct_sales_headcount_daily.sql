{#- Sales headcount per day (metrics.yml headcount convention), every calendar day plus every reporting
    period's first and last day, with the employees' tenure in days summed. Semi-additive: average headcount of
    a period = (first day + last day) / 2; average tenure = tenure on the last day / headcount on it. -#}

with

headcount_daily as (
    select * from {{ ref('int_sales_headcount_daily') }}
),

final as (
    select
        headcount_date,
        sales_headcount,
        tenure_days_sum
    from headcount_daily
)

select * from final
