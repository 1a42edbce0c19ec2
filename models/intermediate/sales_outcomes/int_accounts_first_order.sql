{#- One row per account with a booked order: its first booked order date and the revenue of the orders
    booked that day (metrics.yml "new customer", first_purchase_value: several orders that day are summed). -#}

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

booked_orders as (
    select
        orders.order_id,
        orders.account_id,
        orders.source_relation,
        orders.order_date
    from orders
    left join accounts
        on orders.account_id = accounts.account_id
    where
        orders.status = 'booked'
        and not coalesce(accounts.is_deleted, false)
),

first_dates as (
    select
        account_id,
        min(order_date) as first_order_date
    from booked_orders
    group by account_id
),

first_orders as (
    select
        booked_orders.account_id,
        booked_orders.order_id,
        booked_orders.source_relation,
        first_dates.first_order_date
    from booked_orders
    inner join first_dates
        on
            booked_orders.account_id = first_dates.account_id
            and booked_orders.order_date = first_dates.first_order_date
),

-- an order without lines is still a first order, worth 0
first_order_revenue as (
    select
        first_orders.account_id,
        first_orders.order_id,
        first_orders.source_relation,
        first_orders.first_order_date,
        coalesce(sum(order_lines.revenue_reporting), 0) as revenue_reporting,
        count(order_lines.order_line_id) as line_count,
        count(order_lines.order_line_id) - count(order_lines.revenue_reporting) as unconverted_line_count
    from first_orders
    left join order_lines
        on first_orders.order_id = order_lines.order_id
    group by
        first_orders.account_id,
        first_orders.order_id,
        first_orders.first_order_date,
        first_orders.source_relation
),

final as (
    select
        account_id,
        source_relation,
        first_order_date,
        count(*) as first_order_count,
        -- null when a line lacks an fx rate, so the not_null test surfaces it
        case
            when sum(unconverted_line_count) = 0 then sum(revenue_reporting)
        end as first_order_revenue_reporting
    from first_order_revenue
    group by
        account_id,
        source_relation,
        first_order_date
)

select * from final
