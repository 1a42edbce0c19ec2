{#- metrics.yml 'money': a missing rate is an error, never a silent zero. Every open opportunity amount
    that kpi_pipeline converts at a period's first or last day must find a rate in int_fx_rates_daily. -#}

with

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

snapshot_instants as (
    select
        period_grain,
        period_start,
        period_start_at as instant_at,
        period_start as rate_date,
        true as is_first_instant
    from reporting_periods
    union all
    select
        period_grain,
        period_start,
        case
            when period_end < as_of_date then period_end_at
            else {{ reporting_day_start_at(add_days('as_of_date', '1')) }}
        end as instant_at,
        case when period_end < as_of_date then period_end else as_of_date end as rate_date,
        false as is_first_instant
    from reporting_periods
),

needed_rates as (
    select
        snapshot_instants.period_grain,
        snapshot_instants.period_start,
        snapshot_instants.rate_date,
        state_intervals.opportunity_id,
        state_intervals.currency_code
    from snapshot_instants
    inner join state_intervals
        on
            (
                snapshot_instants.is_first_instant
                and snapshot_instants.instant_at >= state_intervals.valid_from
                and snapshot_instants.instant_at < state_intervals.valid_to
            )
            or (
                not snapshot_instants.is_first_instant
                and snapshot_instants.instant_at > state_intervals.valid_from
                and snapshot_instants.instant_at <= state_intervals.valid_to
            )
    where
        state_intervals.is_open
        and state_intervals.amount is not null
),

final as (
    {{ missing_fx_rates() }}
)

select * from final
