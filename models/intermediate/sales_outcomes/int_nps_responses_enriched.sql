{#- One row per NPS response with its reporting date and the segment and territory of its account ('unknown'
    slices come from responses without one). Responses of deleted accounts drop out with the account. The nps
    KPI (int_customer_feedback_by_period) and the semantic layer read it. -#}

with

nps_responses as (
    select * from {{ ref('stg_crm__nps_responses') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

final as (
    select
        nps_responses.response_id,
        nps_responses.account_id,
        nps_responses.source_relation,
        nps_responses.score,
        nps_responses.responded_at,
        {{ reporting_date('nps_responses.responded_at') }} as responded_date,
        accounts.segment,
        accounts.territory_id as territory
    from nps_responses
    left join accounts
        on nps_responses.account_id = accounts.account_id
    where not coalesce(accounts.is_deleted, false)
)

select * from final
