-- Each account's first booked order date (the "new customer" convention). Built by actv for CAC
-- while outc's version was not on a branch yet; outc owns this model.
with

orders as (
    select * from {{ ref('stg_crm__orders') }}
    where status = 'booked'
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

final as (
    select
        orders.account_id,
        min(orders.order_date) as first_order_date,
    from orders
    inner join accounts
        on orders.account_id = accounts.account_id
    group by orders.account_id
)

select * from final
