{#- Opportunity-based outcomes per (period, slice), from int_opportunities (no opportunity logic here: won =
    is_won and lost = is_lost, as in kpi_pipeline): the sales_velocity factors with the pipeline family's
    definitions, each of the same period and slice (opportunities_created by created_at; won, lost, bookings
    and cycle by closed_at), and renewal_rate. Slices: rep (owner), territory and segment of the account,
    total. -#}

{#- the registry dims of the metrics built on these measures -#}
{%- set dimensions = kpi_metric_dimensions(['sales_velocity', 'renewal_rate']) %}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

opportunity_events as (
    select
        opportunity_id,
        owner_user_id as rep,
        territory_id as territory,
        segment,
        opportunity_type,
        is_won,
        is_lost,
        is_closed and closed_date is not null as is_closed,
        amount_reporting,
        created_date,
        closed_date,
        sales_cycle_days
    from opportunities
),

closed_events as (
    select * from opportunity_events
    where is_closed
),

created_rolled_up as (
    {{ kpi_rollup('opportunity_events', 'created_date', dimensions, {
        'opportunities_created': 'count(*)',
    }) }}
),

closed_rolled_up as (
    {{ kpi_rollup('closed_events', 'closed_date', dimensions, {
        'opportunities_won': 'sum(case when kpi_events.is_won then 1 else 0 end)',
        'opportunities_lost': 'sum(case when kpi_events.is_lost then 1 else 0 end)',
        'bookings': 'coalesce(sum(case when kpi_events.is_won then kpi_events.amount_reporting end), 0)',
        'won_cycle_days': 'sum(case when kpi_events.is_won then kpi_events.sales_cycle_days end)',
        'renewals_won':
            "sum(case when kpi_events.opportunity_type = 'renewal' and kpi_events.is_won then 1 else 0 end)",
        'renewals_closed': "sum(case when kpi_events.opportunity_type = 'renewal' then 1 else 0 end)",
    }) }}
),

joined as (
    select
        coalesce(created_rolled_up.period_grain, closed_rolled_up.period_grain) as period_grain,
        coalesce(created_rolled_up.period_start, closed_rolled_up.period_start) as period_start,
        coalesce(created_rolled_up.dimension_name, closed_rolled_up.dimension_name) as dimension_name,
        coalesce(created_rolled_up.dimension_value, closed_rolled_up.dimension_value) as dimension_value,
        coalesce(created_rolled_up.opportunities_created, 0) as opportunities_created,
        coalesce(closed_rolled_up.opportunities_won, 0) as opportunities_won,
        coalesce(closed_rolled_up.opportunities_lost, 0) as opportunities_lost,
        coalesce(closed_rolled_up.bookings, 0) as bookings,
        closed_rolled_up.won_cycle_days,
        coalesce(closed_rolled_up.renewals_won, 0) as renewals_won,
        coalesce(closed_rolled_up.renewals_closed, 0) as renewals_closed
    from created_rolled_up
    full outer join closed_rolled_up
        on
            created_rolled_up.period_grain = closed_rolled_up.period_grain
            and created_rolled_up.period_start = closed_rolled_up.period_start
            and created_rolled_up.dimension_name = closed_rolled_up.dimension_name
            and created_rolled_up.dimension_value = closed_rolled_up.dimension_value
),

factors as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        opportunities_created,
        opportunities_won,
        opportunities_lost,
        bookings,
        {{ kpi_ratio('bookings', 'opportunities_won') }} as avg_deal_size,
        {{ kpi_ratio('opportunities_won', 'opportunities_won + opportunities_lost') }} as win_rate,
        {{ kpi_ratio('won_cycle_days', 'opportunities_won') }} as sales_cycle_days,
        renewals_won,
        renewals_closed
    from joined
),

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        opportunities_created,
        opportunities_won,
        opportunities_lost,
        bookings,
        avg_deal_size,
        win_rate,
        sales_cycle_days,
        -- null when a factor is null (no wins, no closes) or the cycle is 0 days
        opportunities_created * avg_deal_size * win_rate / nullif(sales_cycle_days, 0) as sales_velocity,
        case
            when sales_cycle_days <> 0 then opportunities_created * avg_deal_size * win_rate
        end as sales_velocity_numerator,
        nullif(sales_cycle_days, 0) as sales_velocity_denominator,
        {{ kpi_ratio('renewals_won', 'renewals_closed') }} as renewal_rate,
        renewals_won as renewal_rate_numerator,
        renewals_closed as renewal_rate_denominator
    from factors
)

select * from final
