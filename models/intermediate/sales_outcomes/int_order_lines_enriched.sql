{#- One row per booked order line (the revenue event, metrics.yml "revenue") with a column per revenue
    dimension: product, product_family, customer_type (new when the order date is less than
    var new_customer_days after the account's first booked order date), territory/region/segment/industry
    of the account, persona of the lead of the order's opportunity, rep = opportunity owner else account
    owner. Deleted accounts, opportunities and leads give no attributes. -#}

with

order_lines as (
    select * from {{ ref('int_order_lines_converted') }}
),

first_orders as (
    select * from {{ ref('int_accounts_first_order') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

territories as (
    select * from {{ ref('stg_crm__territories') }}
),

products as (
    select * from {{ ref('stg_crm__products') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

live_accounts as (
    select * from accounts
    where not is_deleted
),

live_opportunities as (
    select * from opportunities
    where not is_deleted
),

live_leads as (
    select * from leads
    where not is_deleted
),

final as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.account_id,
        order_lines.source_relation,
        order_lines.order_date,
        order_lines.revenue_reporting,
        order_lines.cogs_reporting,
        order_lines.product_id as product,
        products.product_family,
        case
            when
                order_lines.order_date
                < {{ add_days('first_orders.first_order_date', var('new_customer_days') | int) }}
                then 'new'
            else 'existing'
        end as customer_type,
        live_accounts.territory_id as territory,
        territories.region,
        live_accounts.segment,
        live_accounts.industry,
        live_leads.persona,
        coalesce(live_opportunities.owner_user_id, live_accounts.owner_user_id) as rep
    from order_lines
    left join first_orders
        on order_lines.account_id = first_orders.account_id
    left join live_accounts
        on order_lines.account_id = live_accounts.account_id
    left join territories
        on live_accounts.territory_id = territories.territory_id
    left join products
        on order_lines.product_id = products.product_id
    left join live_opportunities
        on order_lines.opportunity_id = live_opportunities.opportunity_id
    left join live_leads
        on live_opportunities.lead_id = live_leads.lead_id
    where order_lines.is_booked
)

select * from final
