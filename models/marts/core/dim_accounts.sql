{#- One row per non-deleted CRM account with its territory, region and first booked order date. -#}

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

territories as (
    select * from {{ ref('stg_crm__territories') }}
),

first_orders as (
    select * from {{ ref('int_accounts_first_order') }}
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.segment,
        accounts.employee_count,
        accounts.billing_country,
        accounts.territory_id,
        territories.territory_name,
        territories.region,
        accounts.owner_user_id,
        {{- passthrough_names('account', 'accounts.') }}
        accounts.source_relation,
        accounts.created_at,
        first_orders.first_order_date,
        first_orders.first_order_date is not null as has_booked_order
    from accounts
    left join territories
        on accounts.territory_id = territories.territory_id
    left join first_orders
        on accounts.account_id = first_orders.account_id
    where not accounts.is_deleted
)

select * from final
