{#- One row per support ticket with its reporting date and the segment and territory of its account. Tickets
    of deleted accounts drop out with the account. The complaints KPI (int_customer_feedback_by_period, category
    complaint) and the semantic layer read it. -#}

with

support_tickets as (
    select * from {{ ref('stg_crm__support_tickets') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

final as (
    select
        support_tickets.ticket_id,
        support_tickets.account_id,
        support_tickets.source_relation,
        support_tickets.category,
        support_tickets.opened_at,
        {{ reporting_date('support_tickets.opened_at') }} as opened_date,
        accounts.segment,
        accounts.territory_id as territory
    from support_tickets
    left join accounts
        on support_tickets.account_id = accounts.account_id
    where not coalesce(accounts.is_deleted, false)
)

select * from final
