{#- One row per non-deleted opportunity: owner rep and team, account segment/territory/region, lead
    source_channel, type, current stage, closed/won flags, reporting dates, amount_reporting converted at
    closed_at's date (null while open), created_amount_reporting at created_at's date, and the opportunity
    custom fields (passthrough). kpi_pipeline and the pipeline metrics of the semantic layer read this
    model; won = is_won, lost = is_lost (int_opportunities). -#}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

final as (
    select
        opportunity_id,
        account_id,
        owner_user_id,
        lead_id,
        team,
        segment,
        industry,
        territory_id,
        region,
        source_channel,
        opportunity_type,
        stage_name,
        is_closed,
        is_won,
        is_lost,
        lost_reason,
        amount,
        currency_code,
        amount_reporting,
        created_amount_reporting,
        close_date,
        {{- passthrough_names('opportunity') }}
        source_relation,
        created_at,
        closed_at,
        created_date,
        closed_date,
        sales_cycle_days
    from opportunities
)

select * from final
