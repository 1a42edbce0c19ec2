{#- NPS and complaints per (period, slice), sliced by the account's segment and territory ('unknown' without
    an account). Responses and tickets of deleted accounts drop out with the account. -#}

with

nps_responses as (
    select * from {{ ref('stg_crm__nps_responses') }}
),

support_tickets as (
    select * from {{ ref('stg_crm__support_tickets') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

response_events as (
    select
        nps_responses.response_id,
        nps_responses.score,
        {{ reporting_date('nps_responses.responded_at') }} as responded_date,
        accounts.segment,
        accounts.territory_id as territory
    from nps_responses
    left join accounts
        on nps_responses.account_id = accounts.account_id
    where not coalesce(accounts.is_deleted, false)
),

complaint_events as (
    select
        support_tickets.ticket_id,
        {{ reporting_date('support_tickets.opened_at') }} as opened_date,
        accounts.segment,
        accounts.territory_id as territory
    from support_tickets
    left join accounts
        on support_tickets.account_id = accounts.account_id
    where
        support_tickets.category = 'complaint'
        and not coalesce(accounts.is_deleted, false)
),

nps_rolled_up as (
    {{ kpi_rollup('response_events', 'responded_date', kpi_metric_dimensions('nps'), {
        'promoter_count': 'sum(case when kpi_events.score >= 9 then 1 else 0 end)',
        'detractor_count': 'sum(case when kpi_events.score <= 6 then 1 else 0 end)',
        'response_count': 'count(*)',
    }) }}
),

complaints_rolled_up as (
    {{ kpi_rollup('complaint_events', 'opened_date', kpi_metric_dimensions('complaints'), {
        'complaints': 'count(*)',
    }) }}
),

final as (
    select
        coalesce(nps_rolled_up.period_grain, complaints_rolled_up.period_grain) as period_grain,
        coalesce(nps_rolled_up.period_start, complaints_rolled_up.period_start) as period_start,
        coalesce(nps_rolled_up.dimension_name, complaints_rolled_up.dimension_name) as dimension_name,
        coalesce(nps_rolled_up.dimension_value, complaints_rolled_up.dimension_value) as dimension_value,
        100 * {{ kpi_ratio('nps_rolled_up.promoter_count - nps_rolled_up.detractor_count',
            'nps_rolled_up.response_count') }} as nps,
        coalesce(nps_rolled_up.promoter_count - nps_rolled_up.detractor_count, 0) as nps_numerator,
        coalesce(nps_rolled_up.response_count, 0) as nps_denominator,
        coalesce(complaints_rolled_up.complaints, 0) as complaints
    from nps_rolled_up
    full outer join complaints_rolled_up
        on
            nps_rolled_up.period_grain = complaints_rolled_up.period_grain
            and nps_rolled_up.period_start = complaints_rolled_up.period_start
            and nps_rolled_up.dimension_name = complaints_rolled_up.dimension_name
            and nps_rolled_up.dimension_value = complaints_rolled_up.dimension_value
)

select * from final
