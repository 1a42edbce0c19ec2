-- Leads (deleted ones excluded) with qualification dates, conversion outcome and first touch.
-- No lead email; company_name is kept out as well since it can name a person for sole traders.
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

first_touches as (
    select * from {{ ref('int_leads_first_touched') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

final as (
    select
        leads.lead_id,
        leads.source_relation,
        leads.created_at,
        leads.source_channel,
        leads.campaign_id,
        leads.owner_user_id,
        leads.persona,
        leads.status,
        leads.mql_at,
        leads.sql_at,
        leads.converted_at,
        leads.converted_account_id,
        leads.converted_contact_id,
        leads.converted_opportunity_id,
        leads.converted_opportunity_id is not null as is_converted_to_opportunity,
        coalesce(opportunities.is_won, false) as is_converted_opportunity_won,
        {{- passthrough_names('lead', 'leads.') }}
        first_touches.first_touch_type,
        first_touches.first_touch_id,
        first_touches.first_touch_at,
        first_touches.first_touch_user_id,
        first_touches.response_seconds,
        -- double before dividing: Spark divides an integer by a decimal literal in decimal, rounded to 6 places
        cast(first_touches.response_seconds as {{ type_double() }}) / 3600 as response_hours
    from leads
    left join first_touches
        on leads.lead_id = first_touches.lead_id
    left join opportunities
        on leads.converted_opportunity_id = opportunities.opportunity_id
)

select * from final
