-- Closed opportunities and whether their history passed through every stage required by the process
-- (raw contract: opportunities.stages.required_for_process).
{%- set required_stages = ['qualification', 'discovery', 'proposal'] %}
with

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

state_intervals as (

    select * from {{ ref('int_opportunity_state_intervals') }}

),

stages_reached as (

    select
        opportunity_id,
        count(distinct stage_name) as required_stages_reached
    from state_intervals
    -- LT05 judges the rendered line, and the stage list renders long.
    where stage_name in ('{{ required_stages | join("', '") }}')  -- noqa: LT05
    group by opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.owner_user_id,
        opportunities.source_relation,
        opportunities.closed_at,
        opportunities.closed_date,
        coalesce(stages_reached.required_stages_reached, 0) as required_stages_reached,
        coalesce(stages_reached.required_stages_reached, 0) = {{ required_stages | length }}
            as has_followed_process
    from opportunities
    left join stages_reached
        on opportunities.opportunity_id = stages_reached.opportunity_id
    where
        opportunities.is_closed
        and opportunities.closed_at is not null

)

select * from final
