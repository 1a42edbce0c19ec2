{#- One row per order line (booked and cancelled orders; deleted accounts' orders excluded), with
    revenue = quantity x unit_price - discount and COGS = quantity x unit_cost, in the order's currency and
    in the reporting currency at the order date's fx rate. Revenue metrics use the booked lines. -#}

with

order_lines as (
    select * from {{ ref('int_order_lines_converted') }}
),

final as (
    select
        order_line_id,
        order_id,
        account_id,
        opportunity_id,
        product_id,
        source_relation,
        order_date,
        order_status,
        is_booked,
        currency_code,
        quantity,
        unit_price,
        discount_amount,
        unit_cost,
        revenue_local,
        cogs_local,
        rate_to_reporting,
        revenue_reporting,
        cogs_reporting,
        revenue_reporting - cogs_reporting as gross_profit_reporting
    from order_lines
)

select * from final
