{#- Sales headcount per day (metrics.yml headcount convention), every calendar day plus every reporting
    period's first and last day. Semi-additive: average headcount of a period = (first day + last day) / 2. -#}

with

headcount_daily as (
    select * from {{ ref('int_sales_headcount_daily') }}
),

final as (
    select
        headcount_date,
        sales_headcount
    from headcount_daily
)

select * from final
