{#- Sales and marketing spend in the reporting currency at the spend date's rate: one row per ad
    campaign-day and per cost. Marketing spend = ad spend + costs of cost_type marketing. -#}

with

spend as (
    select * from {{ ref('int_spend_converted') }}
),

final as (
    select
        spend_id,
        spend_type,
        is_marketing_spend,
        spend_type = 'sales_cost' as is_sales_cost,
        campaign_id,
        source_relation,
        spend_date,
        amount,
        currency_code,
        amount_reporting
    from spend
)

select * from final
