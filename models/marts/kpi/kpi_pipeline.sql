{#- Pipeline family (metrics.yml family 'pipeline'), wide: one row per (period_grain, period_start,
    dimension_name, dimension_value). Event metrics roll up opportunities by created/closed date;
    snapshot metrics read int_opportunity_state_intervals at a period's first or last instant. -#}

{%- set ordered_stages = crm_ordered_stages() %}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

created_events as (
    select
        created_date,
        owner_user_id as rep,
        team,
        segment,
        opportunity_type,
        source_channel
    from opportunities
),

-- closed_at is cleared when a deal is re-opened, so only currently closed deals count
closed_events as (
    select
        closed_date,
        owner_user_id as rep,
        team,
        segment,
        opportunity_type,
        territory_id as territory,
        lost_reason,
        case when is_won then 1 else 0 end as won_count,
        case when is_lost then 1 else 0 end as lost_count,
        case when is_won then amount_reporting end as won_amount_reporting,
        case when is_won then sales_cycle_days end as won_cycle_days
    from opportunities
    where is_closed
        and closed_date is not null
),

-- last instant of each period, capped at the end of the as-of date for the as-of period
period_last_instants as (
    select
        period_grain,
        period_start,
        case
            when period_end < as_of_date then period_end_at
            else {{ reporting_day_start_at(add_days('as_of_date', '1')) }}
        end as snapshot_end_at,
        case when period_end < as_of_date then period_end else as_of_date end as snapshot_date
    from reporting_periods
),

open_at_period_end as (
    select
        period_last_instants.period_grain,
        period_last_instants.snapshot_date,
        opportunities.owner_user_id as rep,
        opportunities.team,
        state_intervals.stage_name as stage,
        opportunities.segment,
        state_intervals.amount * fx_rates_daily.rate_to_reporting as amount_reporting
    from period_last_instants
    inner join state_intervals
        -- state at the instant just before snapshot_end_at
        on state_intervals.valid_from < period_last_instants.snapshot_end_at
        and state_intervals.valid_to >= period_last_instants.snapshot_end_at
    inner join opportunities
        on opportunities.opportunity_id = state_intervals.opportunity_id
    left join fx_rates_daily
        on fx_rates_daily.currency_code = state_intervals.currency_code
        and fx_rates_daily.rate_date = period_last_instants.snapshot_date
    where state_intervals.is_open
),

open_at_period_start as (
    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        opportunities.owner_user_id as rep,
        opportunities.team,
        state_intervals.amount * fx_rates_daily.rate_to_reporting as amount_reporting
    from reporting_periods
    inner join state_intervals
        on state_intervals.valid_from <= reporting_periods.period_start_at
        and reporting_periods.period_start_at < state_intervals.valid_to
    inner join opportunities
        on opportunities.opportunity_id = state_intervals.opportunity_id
    left join fx_rates_daily
        on fx_rates_daily.currency_code = state_intervals.currency_code
        and fx_rates_daily.rate_date = reporting_periods.period_start
    where state_intervals.is_open
        and state_intervals.close_date >= reporting_periods.period_start
        and state_intervals.close_date <= reporting_periods.period_end
),

quota_months as (
    select
        quotas.period_month,
        quotas.user_id as rep,
        users.team,
        quotas.quota_amount
    from quotas
    left join users
        on users.user_id = quotas.user_id
),

stage_entries as (
    select
        opportunity_id,
        stage_name as stage,
        min(valid_from) as entered_at
    from state_intervals
    where stage_name in ('{{ ordered_stages | join("', '") }}')
    group by opportunity_id, stage_name
),

-- stages after S in the ordered list, or closed_won
stage_progress as (
    select
        stage_entries.stage,
        {{ reporting_date('stage_entries.entered_at') }} as entered_date,
        case
            when exists (
                select 1
                from state_intervals as later
                where later.opportunity_id = stage_entries.opportunity_id
                    and later.valid_from > stage_entries.entered_at
                    and (
                        later.stage_name = 'closed_won'
                        {%- for stage in ordered_stages %}
                        or (stage_entries.stage = '{{ stage }}' and later.stage_name in (
                            '{{ (ordered_stages[loop.index:] + ['closed_won']) | join("', '") }}'))
                        {%- endfor %}
                    )
            ) then 1
            else 0
        end as is_converted
    from stage_entries
),

created_rollup as (
    {{ kpi_rollup('created_events', 'created_date',
        ['rep', 'team', 'segment', 'opportunity_type', 'source_channel'],
        {'opportunities_created': 'count(*)'}) }}
),

closed_rollup as (
    {{ kpi_rollup('closed_events', 'closed_date',
        ['rep', 'team', 'segment', 'opportunity_type', 'territory', 'lost_reason'], {
            'won_count': 'sum(won_count)',
            'lost_count': 'sum(lost_count)',
            'bookings': 'coalesce(sum(won_amount_reporting), 0)',
            'won_cycle_days': 'coalesce(sum(won_cycle_days), 0)',
        }) }}
),

open_end_rollup as (
    {{ kpi_rollup('open_at_period_end', 'snapshot_date', ['rep', 'team', 'stage', 'segment'], {
            'open_count': 'count(*)',
            'open_amount_reporting': 'coalesce(sum(amount_reporting), 0)',
        }, grain_column='period_grain') }}
),

open_start_rollup as (
    {{ kpi_rollup('open_at_period_start', 'period_start', ['rep', 'team'], {
            'coverage_pipeline_reporting': 'coalesce(sum(amount_reporting), 0)',
        }, grain_column='period_grain') }}
),

quota_rollup as (
    {{ kpi_rollup('quota_months', 'period_month', ['rep', 'team'], {
            'quota_amount': 'sum(quota_amount)',
        }) }}
),

stage_rollup as (
    {{ kpi_rollup('stage_progress', 'entered_date', ['stage'], {
            'entered_count': 'count(*)',
            'converted_count': 'sum(is_converted)',
        }, include_total=false) }}
),

keys as (
    {{ kpi_slice_keys(['created_rollup', 'closed_rollup', 'open_end_rollup', 'open_start_rollup',
        'quota_rollup', 'stage_rollup']) }}
),

joined as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        coalesce(created_rollup.opportunities_created, 0) as created_count,
        coalesce(closed_rollup.won_count, 0) as won_count,
        coalesce(closed_rollup.lost_count, 0) as lost_count,
        coalesce(closed_rollup.bookings, 0) as bookings,
        coalesce(closed_rollup.won_cycle_days, 0) as won_cycle_days,
        coalesce(open_end_rollup.open_count, 0) as open_count,
        coalesce(open_end_rollup.open_amount_reporting, 0) as open_amount_reporting,
        coalesce(open_start_rollup.coverage_pipeline_reporting, 0) as coverage_pipeline_reporting,
        coalesce(quota_rollup.quota_amount, 0) as quota_amount,
        coalesce(stage_rollup.entered_count, 0) as entered_count,
        coalesce(stage_rollup.converted_count, 0) as converted_count
    from keys
    {%- for cte in ['created_rollup', 'closed_rollup', 'open_end_rollup', 'open_start_rollup', 'quota_rollup', 'stage_rollup'] %}
    left join {{ cte }}
        on {{ cte }}.period_grain = keys.period_grain
        and {{ cte }}.period_start = keys.period_start
        and {{ cte }}.dimension_name = keys.dimension_name
        and {{ cte }}.dimension_value = keys.dimension_value
    {%- endfor %}
),

{#- metric_id -> (value, numerator, denominator); numerator/denominator none for plain counts and sums -#}
{%- set metrics = {
    'sales_cycle_days': (kpi_ratio('won_cycle_days', 'won_count'), 'won_cycle_days', 'won_count'),
    'opportunities_created': ('created_count', none, none),
    'opportunities_won': ('won_count', none, none),
    'opportunities_lost': ('lost_count', none, none),
    'win_rate': (kpi_ratio('won_count', 'won_count + lost_count'), 'won_count', 'won_count + lost_count'),
    'bookings': ('bookings', none, none),
    'avg_deal_size': (kpi_ratio('bookings', 'won_count'), 'bookings', 'won_count'),
    'pipeline_value': ('open_amount_reporting', none, none),
    'open_opportunities': ('open_count', none, none),
    'pipeline_coverage': (kpi_ratio('coverage_pipeline_reporting', 'quota_amount'), 'coverage_pipeline_reporting', 'quota_amount'),
    'stage_conversion_rate': (kpi_ratio('converted_count', 'entered_count'), 'converted_count', 'entered_count'),
} %}

{%- set count_metrics = ['opportunities_created', 'opportunities_won', 'opportunities_lost', 'open_opportunities'] %}

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {%- for metric_id, parts in metrics.items() %}
        {%- set value_type = 'bigint' if metric_id in count_metrics else type_double() %}
        cast(case when {{ kpi_slice_applies(metric_id) }} then {{ parts[0] }} end as {{ value_type }})
            as {{ metric_id }}
        {%- if parts[1] is not none %},
        cast(case when {{ kpi_slice_applies(metric_id) }} then {{ parts[1] }} end as {{ type_double() }})
            as {{ metric_id }}_numerator,
        cast(case when {{ kpi_slice_applies(metric_id) }} then {{ parts[2] }} end as {{ type_double() }})
            as {{ metric_id }}_denominator
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from joined
)

select * from final
