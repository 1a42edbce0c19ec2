{#- Pipeline family (metrics.yml family 'pipeline' plus metrics_extra.yml), wide: one row per (period_grain,
    period_start, dimension_name, dimension_value). Event metrics roll up fct_opportunities by created/closed
    date (won = is_won, lost = is_lost) and stage stays (fct_opportunity_stage_intervals) by exit date; the
    period-end snapshot metrics read fct_pipeline_snapshots (the open pipeline at a month's end, the as-of
    date for the as-of period). int_opportunity_state_intervals is read for what no fact holds: the state at
    a period's first instant (pipeline_coverage) and the stage entries of stage_conversion_rate. -#}

{%- set ordered_stages = crm_ordered_stages() %}
{#- Each rollup slices by the registry dims of the metrics it feeds (kpi_metric_dimensions: metrics.yml dims
    plus custom-field dimensions, var salesmart_kpi_extra_dimensions, and the CRM connection when on, columns
    of fct_opportunities and fct_pipeline_snapshots). -#}

with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

pipeline_snapshots as (
    select * from {{ ref('fct_pipeline_snapshots') }}
),

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

stage_intervals as (
    select * from {{ ref('fct_opportunity_stage_intervals') }}
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
    select * from {{ ref('dim_users') }}
),

created_events as (
    select
        opportunities.created_date,
        opportunities.owner_user_id as rep,
        opportunities.team,
        opportunities.segment,
        {{- kpi_extra_dimension_columns('opportunities.') }}
        {{- kpi_source_relation_column('opportunities.') }}
        opportunities.opportunity_type,
        opportunities.source_channel,
        opportunities.created_amount_reporting
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
        {{- kpi_extra_dimension_columns() }}
        {{- kpi_source_relation_column() }}
        lost_reason,
        case when is_won then 1 else 0 end as won_count,
        case when is_lost then 1 else 0 end as lost_count,
        case when is_won then amount_reporting end as won_amount_reporting,
        amount_reporting as closed_amount_reporting,
        case when is_won then sales_cycle_days end as won_cycle_days
    from opportunities
    where
        is_closed
        and closed_date is not null
),

open_at_period_end as (
    select
        reporting_periods.period_grain,
        pipeline_snapshots.snapshot_date,
        pipeline_snapshots.owner_user_id as rep,
        pipeline_snapshots.team,
        pipeline_snapshots.stage_name as stage,  -- noqa: RF04
        pipeline_snapshots.segment,
        {{- kpi_extra_dimension_columns('pipeline_snapshots.') }}
        {{- kpi_source_relation_column('pipeline_snapshots.') }}
        pipeline_snapshots.amount_reporting,
        case when pipeline_snapshots.is_stalled then 1 else 0 end as is_stalled
    from reporting_periods
    inner join pipeline_snapshots
        on reporting_periods.snapshot_date = pipeline_snapshots.snapshot_date
),

open_at_period_start as (
    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        opportunities.owner_user_id as rep,
        opportunities.team,
        {{ reporting_amount('state_intervals.amount', 'fx_rates_daily.rate_to_reporting') }} as amount_reporting
    from reporting_periods
    inner join state_intervals
        on
            reporting_periods.period_start_at >= state_intervals.valid_from
            and reporting_periods.period_start_at < state_intervals.valid_to
    inner join opportunities
        on state_intervals.opportunity_id = opportunities.opportunity_id
    left join fx_rates_daily
        on
            state_intervals.currency_code = fx_rates_daily.currency_code
            and reporting_periods.period_start = fx_rates_daily.rate_date
    where
        state_intervals.is_open
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
        on quotas.user_id = users.user_id
),

stage_entries as (
    select
        opportunity_id,
        stage_name as stage,  -- noqa: RF04
        min(valid_from) as entered_at
    from state_intervals
    where stage_name in ('{{ ordered_stages | join("', '") }}')  -- noqa: LT05
    group by opportunity_id, stage_name
),

stage_progress as (
    select
        stage_entries.stage,
        {{ reporting_date('stage_entries.entered_at') }} as entered_date,
        case
            when {{ reached_later_stage('stage_entries.opportunity_id', 'stage_entries.stage',
                'stage_entries.entered_at') }} then 1
            else 0
        end as is_converted
    from stage_entries
),

-- stays in an open stage that ended (the opportunity moved to another stage), by exit date
stage_exits as (
    select
        exited_date,
        stage_name as stage,  -- noqa: RF04
        {{- kpi_source_relation_column() }}
        days_in_stage
    from stage_intervals
    where
        is_open
        and exited_at is not null
),

created_rollup as (
    {{ kpi_rollup('created_events', 'created_date',
        kpi_metric_dimensions(['opportunities_created', 'pipeline_generated']), {
            'opportunities_created': 'count(*)',
            'pipeline_generated': 'coalesce(sum(created_amount_reporting), 0)',
        }) }}
),

closed_rollup as (
    {{ kpi_rollup('closed_events', 'closed_date', kpi_metric_dimensions([
        'opportunities_won', 'opportunities_lost', 'win_rate', 'bookings', 'avg_deal_size', 'sales_cycle_days',
        'win_rate_by_amount',
    ]), {
            'won_count': 'sum(won_count)',
            'lost_count': 'sum(lost_count)',
            'bookings': 'coalesce(sum(won_amount_reporting), 0)',
            'won_cycle_days': 'coalesce(sum(won_cycle_days), 0)',
            'closed_amount': 'coalesce(sum(closed_amount_reporting), 0)',
        }) }}
),

open_end_rollup as (
    {{ kpi_rollup('open_at_period_end', 'snapshot_date',
        kpi_metric_dimensions(['pipeline_value', 'open_opportunities', 'stalled_opportunities']), {
            'open_count': 'count(*)',
            'open_amount_reporting': 'coalesce(sum(amount_reporting), 0)',
            'stalled_count': 'sum(is_stalled)',
        }, grain_column='period_grain') }}
),

open_start_rollup as (
    {{ kpi_rollup('open_at_period_start', 'period_start', kpi_metric_dimensions('pipeline_coverage'), {
            'coverage_pipeline_reporting': 'coalesce(sum(amount_reporting), 0)',
        }, grain_column='period_grain') }}
),

quota_rollup as (
    {{ kpi_rollup('quota_months', 'period_month', kpi_metric_dimensions('pipeline_coverage'), {
            'quota_amount': 'sum(quota_amount)',
        }) }}
),

stage_rollup as (
    {{ kpi_rollup('stage_progress', 'entered_date', kpi_metric_dimensions('stage_conversion_rate'), {
            'entered_count': 'count(*)',
            'converted_count': 'sum(is_converted)',
        }, include_total=false) }}
),

stage_exit_rollup as (
    {#- stage stays carry no custom fields: the registry dims of avg_days_in_stage and the CRM connection -#}
    {{ kpi_rollup('stage_exits', 'exited_date',
        metric_catalog()['avg_days_in_stage']['dims'] + kpi_source_relation_dimension(), {
            'stage_exit_count': 'count(*)',
            'stage_exit_days': 'coalesce(sum(days_in_stage), 0)',
        }) }}
),

{%- set rollups = [
    'created_rollup', 'closed_rollup', 'open_end_rollup', 'open_start_rollup', 'quota_rollup', 'stage_rollup',
    'stage_exit_rollup',
] %}

keys as (
    {{ kpi_slice_keys(rollups) }}
),

joined as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        coalesce(created_rollup.opportunities_created, 0) as created_count,
        coalesce(created_rollup.pipeline_generated, 0) as created_amount_reporting,
        coalesce(closed_rollup.won_count, 0) as won_count,
        coalesce(closed_rollup.lost_count, 0) as lost_count,
        coalesce(closed_rollup.bookings, 0) as bookings,
        coalesce(closed_rollup.won_cycle_days, 0) as won_cycle_days,
        coalesce(closed_rollup.closed_amount, 0) as closed_amount,
        coalesce(open_end_rollup.open_count, 0) as open_count,
        coalesce(open_end_rollup.open_amount_reporting, 0) as open_amount_reporting,
        coalesce(open_end_rollup.stalled_count, 0) as stalled_count,
        coalesce(open_start_rollup.coverage_pipeline_reporting, 0) as coverage_pipeline_reporting,
        coalesce(quota_rollup.quota_amount, 0) as quota_amount,
        coalesce(stage_rollup.entered_count, 0) as entered_count,
        coalesce(stage_rollup.converted_count, 0) as converted_count,
        coalesce(stage_exit_rollup.stage_exit_count, 0) as stage_exit_count,
        coalesce(stage_exit_rollup.stage_exit_days, 0) as stage_exit_days
    -- noqa: disable=LT02
    from keys
    {%- for cte in rollups %}
        left join {{ cte }}
            on
                keys.period_grain = {{ cte }}.period_grain
                and keys.period_start = {{ cte }}.period_start
                and keys.dimension_name = {{ cte }}.dimension_name
                and keys.dimension_value = {{ cte }}.dimension_value
    {%- endfor %}
    -- noqa: enable=LT02
),

{#- metric_id -> (value, none) for counts and sums, (numerator, denominator) for ratios (kpi_metric_columns) -#}
{%- set metrics = {
    'sales_cycle_days': ('won_cycle_days', 'won_count'),
    'opportunities_created': ('created_count', none),
    'opportunities_won': ('won_count', none),
    'opportunities_lost': ('lost_count', none),
    'win_rate': ('won_count', 'won_count + lost_count'),
    'bookings': ('bookings', none),
    'avg_deal_size': ('bookings', 'won_count'),
    'pipeline_value': ('open_amount_reporting', none),
    'open_opportunities': ('open_count', none),
    'pipeline_coverage': ('coverage_pipeline_reporting', 'quota_amount'),
    'stage_conversion_rate': ('converted_count', 'entered_count'),
    'avg_days_in_stage': ('stage_exit_days', 'stage_exit_count'),
    'stalled_opportunities': ('stalled_count', none),
    'win_rate_by_amount': ('bookings', 'closed_amount'),
    'pipeline_generated': ('created_amount_reporting', none),
} %}
{%- set count_metrics = [
    'opportunities_created', 'opportunities_won', 'opportunities_lost', 'open_opportunities', 'stalled_opportunities',
] %}

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ kpi_metric_columns(metrics, count_metrics) }}
    from joined
)

select * from final
