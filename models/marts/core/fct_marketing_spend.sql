{#- Sales and marketing spend in the reporting currency at the spend date's rate: one row per ad
    campaign-day (ad_spend) and per cost (marketing_cost, sales_cost). Marketing spend = ad spend + costs of
    cost_type marketing. A missing rate leaves amount_reporting null, which a not_null test reports (never
    zero). kpi_lead_generation reads this model. -#}

with

ad_performance as (
    select * from {{ ref('stg_marketing__ad_performance_daily') }}
),

costs as (
    select * from {{ ref('stg_marketing__costs') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

spend as (
    select
        'ad:' || campaign_id || ':' || cast(performance_date as {{ dbt.type_string() }}) as spend_id,
        'ad_spend' as spend_type,
        campaign_id,
        performance_date as spend_date,
        spend as amount,
        currency_code,
        source_relation
    from ad_performance

    union all

    select
        'cost:' || cost_id as spend_id,
        cost_type || '_cost' as spend_type,
        campaign_id,
        cost_date as spend_date,
        amount,
        currency_code,
        source_relation
    from costs
),

final as (
    select
        spend.spend_id,
        spend.spend_type,
        spend.spend_type in ('ad_spend', 'marketing_cost') as is_marketing_spend,
        spend.spend_type = 'sales_cost' as is_sales_cost,
        spend.campaign_id,
        spend.source_relation,
        spend.spend_date,
        spend.amount,
        spend.currency_code,
        {{ reporting_amount('spend.amount', 'fx_rates.rate_to_reporting') }} as amount_reporting
    from spend
    left join fx_rates
        on
            spend.currency_code = fx_rates.currency_code
            and spend.spend_date = fx_rates.rate_date
)

select * from final
