{#- NPS and complaints per (period, slice), sliced by the account's segment and territory ('unknown' without
    an account), from int_nps_responses_enriched and int_support_tickets_enriched (deleted accounts' rows are
    out). -#}

with

response_events as (
    select * from {{ ref('int_nps_responses_enriched') }}
),

complaint_events as (
    select * from {{ ref('int_support_tickets_enriched') }}
    where category = 'complaint'
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
