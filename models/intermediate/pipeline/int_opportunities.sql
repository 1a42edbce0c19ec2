{#- Non-deleted opportunities with their KPI dimensions (owner rep and team, account segment, industry,
    territory and region, lead source_channel), reporting dates, amount_reporting converted at closed_at's
    reporting date and created_amount_reporting at created_at's (pipeline_generated). -#}

with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

territories as (
    select * from {{ ref('stg_crm__territories') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

live_opportunities as (
    select
        opportunity_id,
        account_id,
        owner_user_id,
        lead_id,
        opportunity_type,
        stage_name,
        amount,
        currency_code,
        close_date,
        is_closed,
        is_won,
        is_closed and not is_won as is_lost,
        closed_at,
        lost_reason,
        {{- passthrough_names('opportunity') }}
        created_at,
        source_relation,
        {{ reporting_date('created_at') }} as created_date,
        {{ reporting_date('closed_at') }} as closed_date
    from opportunities
    where not is_deleted
),

final as (
    select
        live_opportunities.opportunity_id,
        live_opportunities.account_id,
        live_opportunities.owner_user_id,
        live_opportunities.lead_id,
        users.team,
        accounts.segment,
        accounts.industry,
        accounts.territory_id,
        territories.region,
        leads.source_channel,
        live_opportunities.opportunity_type,
        live_opportunities.stage_name,
        live_opportunities.is_closed,
        live_opportunities.is_won,
        live_opportunities.is_lost,
        live_opportunities.lost_reason,
        live_opportunities.amount,
        live_opportunities.currency_code,
        fx_rates_daily.rate_to_reporting as closed_rate_to_reporting,
        {{ reporting_amount('live_opportunities.amount', 'fx_rates_daily.rate_to_reporting') }} as amount_reporting,
        {{ reporting_amount('live_opportunities.amount', 'created_fx_rates.rate_to_reporting') }}
            as created_amount_reporting,
        live_opportunities.close_date,
        {{- passthrough_names('opportunity', 'live_opportunities.') }}
        live_opportunities.source_relation,
        live_opportunities.created_at,
        live_opportunities.closed_at,
        live_opportunities.created_date,
        live_opportunities.closed_date,
        {{ days_between('live_opportunities.created_date', 'live_opportunities.closed_date') }}
            as sales_cycle_days
    from live_opportunities
    left join users
        on live_opportunities.owner_user_id = users.user_id
    left join accounts
        on live_opportunities.account_id = accounts.account_id
    left join territories
        on accounts.territory_id = territories.territory_id
    left join leads
        on live_opportunities.lead_id = leads.lead_id
    left join fx_rates_daily
        on
            live_opportunities.currency_code = fx_rates_daily.currency_code
            and live_opportunities.closed_date = fx_rates_daily.rate_date
    left join fx_rates_daily as created_fx_rates
        on
            live_opportunities.currency_code = created_fx_rates.currency_code
            and live_opportunities.created_date = created_fx_rates.rate_date
)

select * from final
