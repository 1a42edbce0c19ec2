{#- The ordered open stages of CRM opportunities (raw_contract.yml crm.opportunities.stages.ordered);
    tests/python/test_catalog.py checks this copy against the contract. -#}
{% macro crm_ordered_stages() -%}
    {{ return(['prospecting', 'qualification', 'discovery', 'proposal', 'negotiation']) }}
{%- endmacro %}

{#- Whether an opportunity, having entered `stage_expr` at `entered_at_expr`, later reached a later ordered
    stage or closed_won (metrics.yml stage_conversion_rate): a state of int_opportunity_state_intervals
    (`states`) that began after the entry. One definition for kpi_pipeline and fct_opportunity_stage_intervals. -#}
{% macro reached_later_stage(opportunity_id_expr, stage_expr, entered_at_expr, states='state_intervals') -%}
    {%- set ordered_stages = crm_ordered_stages() -%}
    exists(
        select 1
        from {{ states }} as later
        where
            later.opportunity_id = {{ opportunity_id_expr }}
            and later.valid_from > {{ entered_at_expr }}
            and (
                later.stage_name = 'closed_won'
                {%- for stage in ordered_stages %}
                    {%- set later_stages = ordered_stages[loop.index:] + ['closed_won'] %}
                    or (
                        {{ stage_expr }} = '{{ stage }}'
                        and later.stage_name in ('{{ later_stages | join("', '") }}')  -- noqa: LT05
                    )
                {%- endfor %}
            )
    )
{%- endmacro %}
