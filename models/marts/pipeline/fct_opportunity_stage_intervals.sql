{#- One row per contiguous stay of a non-deleted opportunity in a stage (int_opportunity_stage_intervals)
    with the opportunity's current owner, team and account segment, and whether the opportunity later reached
    a later ordered stage or closed_won (stage_conversion_rate counts the first stay in each ordered stage, as
    kpi_pipeline). -#}

{%- set ordered_stages = crm_ordered_stages() %}

with

stage_intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

final as (
    select
        stage_intervals.stage_interval_id,
        stage_intervals.opportunity_id,
        opportunities.owner_user_id,
        opportunities.team,
        opportunities.segment,
        stage_intervals.source_relation,
        stage_intervals.stage_name,
        stage_intervals.is_open,
        stage_intervals.stay_number,
        stage_intervals.entry_number,
        stage_intervals.is_reentry,
        stage_intervals.is_current,
        stage_intervals.entered_at,
        stage_intervals.exited_at,
        stage_intervals.entered_date,
        stage_intervals.exited_date,
        stage_intervals.days_in_stage,
        stage_intervals.stage_name in ('{{ ordered_stages | join("', '") }}') as is_ordered_stage,  -- noqa: LT05
        {{ reached_later_stage('stage_intervals.opportunity_id', 'stage_intervals.stage_name',
            'stage_intervals.entered_at') }} as reached_later_stage
    from stage_intervals
    inner join opportunities
        on stage_intervals.opportunity_id = opportunities.opportunity_id
)

select * from final
