{#- One row per order (deleted accounts' orders excluded) with its line totals in the order's currency
    and in the reporting currency. An order without lines has 0 lines and 0 amounts. -#}

with

orders as (
    select * from {{ ref('stg_crm__orders') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_converted') }}
),

line_totals as (
    select
        order_id,
        count(*) as line_count,
        sum(revenue_local) as revenue_local,
        sum(cogs_local) as cogs_local,
        -- null as soon as one line lacks an fx rate, so not_null tests surface it
        case when count(revenue_reporting) = count(*) then sum(revenue_reporting) end as revenue_reporting,
        case when count(cogs_reporting) = count(*) then sum(cogs_reporting) end as cogs_reporting
    from order_lines
    group by order_id
),

final as (
    select
        orders.order_id,
        orders.account_id,
        orders.opportunity_id,
        orders.source_relation,
        orders.order_date,
        orders.status as order_status,
        orders.status = 'booked' as is_booked,
        orders.currency_code,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.revenue_local, 0) as revenue_local,
        coalesce(line_totals.cogs_local, 0) as cogs_local,
        case when line_totals.order_id is null then 0 else line_totals.revenue_reporting end as revenue_reporting,
        case when line_totals.order_id is null then 0 else line_totals.cogs_reporting end as cogs_reporting,
        case
            when line_totals.order_id is null then 0
            else line_totals.revenue_reporting - line_totals.cogs_reporting
        end as gross_profit_reporting
    from orders
    left join accounts
        on orders.account_id = accounts.account_id
    left join line_totals
        on orders.order_id = line_totals.order_id
    where not coalesce(accounts.is_deleted, false)
)

select * from final
