{#- State of each non-deleted opportunity over time, from opportunity_history (metrics.yml 'history'):
    from a history row's changed_at to the next row's changed_at the opportunity is at that row's stage,
    amount and close_date. Before its first row (from created_at) it is at the first row's values; an
    opportunity without history is at its current values from created_at on.
    State as of an instant t: valid_from <= t and t < valid_to. -#}

with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

opportunity_history as (
    select * from {{ ref('int_opportunity_history_deduped') }}
),

live_opportunities as (
    select
        opportunity_id,
        stage_name,
        amount,
        close_date,
        currency_code,
        source_relation,
        created_at
    from opportunities
    where not is_deleted
),

ordered_history as (
    select
        opportunity_history.opportunity_id,
        opportunity_history.stage_name,
        opportunity_history.amount,
        opportunity_history.close_date,
        opportunity_history.changed_at,
        row_number() over (
            partition by opportunity_history.opportunity_id
            order by opportunity_history.changed_at, opportunity_history.history_id
        ) as change_number,
        lead(opportunity_history.changed_at) over (
            partition by opportunity_history.opportunity_id
            order by opportunity_history.changed_at, opportunity_history.history_id
        ) as next_changed_at
    from opportunity_history
    inner join live_opportunities
        on opportunity_history.opportunity_id = live_opportunities.opportunity_id
),

history_intervals as (
    select
        opportunity_id,
        change_number,
        stage_name,
        amount,
        close_date,
        changed_at as valid_from,
        coalesce(next_changed_at, cast('9999-12-31' as timestamp)) as valid_to
    from ordered_history
),

-- before the first history row the opportunity is at the first row's values
before_first_change as (
    select
        live_opportunities.opportunity_id,
        0 as change_number,
        ordered_history.stage_name,
        ordered_history.amount,
        ordered_history.close_date,
        live_opportunities.created_at as valid_from,
        ordered_history.changed_at as valid_to
    from live_opportunities
    inner join ordered_history
        on
            live_opportunities.opportunity_id = ordered_history.opportunity_id
            and ordered_history.change_number = 1
    where live_opportunities.created_at < ordered_history.changed_at
),

without_history as (
    select
        opportunity_id,
        0 as change_number,
        stage_name,
        amount,
        close_date,
        created_at as valid_from,
        cast('9999-12-31' as timestamp) as valid_to
    from live_opportunities
    where not exists (
        select 1
        from ordered_history
        where ordered_history.opportunity_id = live_opportunities.opportunity_id
    )
),

intervals as (
    select * from history_intervals
    union all
    select * from before_first_change
    union all
    select * from without_history
),

final as (
    select
        intervals.opportunity_id || '-' || cast(intervals.change_number as {{ dbt.type_string() }})
            as state_interval_id,
        intervals.opportunity_id,
        intervals.change_number,
        intervals.stage_name,
        intervals.amount,
        intervals.close_date,
        live_opportunities.source_relation,
        live_opportunities.currency_code,
        intervals.stage_name not in ('closed_won', 'closed_lost') as is_open,
        intervals.valid_from,
        intervals.valid_to
    from intervals
    inner join live_opportunities
        on intervals.opportunity_id = live_opportunities.opportunity_id
    -- two changes at the same instant leave an empty interval: the later row wins
    where intervals.valid_from < intervals.valid_to
)

select * from final
