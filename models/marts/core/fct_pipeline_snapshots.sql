{#- Open pipeline snapshots: one row per opportunity open at the last instant of each reporting month
    (or of the as-of date for the month holding it), with its stage and amount at that instant
    (metrics.yml 'history') converted at the snapshot date's rate, and whether it is stalled (its current
    stay in the stage began more than var stall_days days before). Quarters and years end on a month end,
    so "the latest snapshot of a period" is pipeline_value's snapshot for every grain (kpi_pipeline). -#}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

stage_intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

-- same instants as kpi_pipeline: the period's end, capped at the end of the as-of date
snapshot_instants as (
    select
        case
            when period_end < as_of_date then period_end_at
            else {{ reporting_day_start_at(add_days('as_of_date', '1')) }}
        end as snapshot_end_at,
        case when period_end < as_of_date then period_end else as_of_date end as snapshot_date
    from reporting_periods
    where period_grain = 'month'
),

final as (
    select
        state_intervals.opportunity_id || ':' || cast(snapshot_instants.snapshot_date as {{ dbt.type_string() }})
            as pipeline_snapshot_id,
        state_intervals.opportunity_id,
        opportunities.source_relation,
        snapshot_instants.snapshot_date,
        opportunities.owner_user_id,
        opportunities.team,
        opportunities.segment,
        state_intervals.stage_name,
        state_intervals.amount,
        state_intervals.currency_code,
        {{ reporting_amount('state_intervals.amount', 'fx_rates_daily.rate_to_reporting') }} as amount_reporting,
        stage_intervals.entered_date as stage_entered_date,
        -- stalled_opportunities, as kpi_pipeline
        coalesce(
            {{ days_between('stage_intervals.entered_date', 'snapshot_instants.snapshot_date') }}
            > {{ var('stall_days') | int }},
            false
        ) as is_stalled
    from snapshot_instants
    -- state at the instant just before snapshot_end_at
    inner join state_intervals
        on
            snapshot_instants.snapshot_end_at > state_intervals.valid_from
            and snapshot_instants.snapshot_end_at <= state_intervals.valid_to
    inner join opportunities
        on state_intervals.opportunity_id = opportunities.opportunity_id
    -- the stay holding that instant (stays partition the same timeline, so exactly one)
    left join stage_intervals
        on
            state_intervals.opportunity_id = stage_intervals.opportunity_id
            and snapshot_instants.snapshot_end_at > stage_intervals.entered_at
            and (
                stage_intervals.exited_at is null
                or snapshot_instants.snapshot_end_at <= stage_intervals.exited_at
            )
    left join fx_rates_daily
        on
            state_intervals.currency_code = fx_rates_daily.currency_code
            and snapshot_instants.snapshot_date = fx_rates_daily.rate_date
    where state_intervals.is_open
)

select * from final
