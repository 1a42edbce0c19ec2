{#- Rows held back because their parent is not loaded yet (a late-arriving parent): order lines without
    their order, opportunity line items and stage history without their opportunity, e-mail events
    without their message. The models that need the parent leave these rows out (an inner join), so the
    rest of the warehouse builds; they come in on the first build after the parent arrives.
    `salesmart status` and `run` count and name them. -#}
{%- set links = [
    ('crm.order_lines', 'stg_crm__order_lines', 'order_line_id', 'crm.orders', 'stg_crm__orders', 'order_id'),
    ('crm.opportunity_line_items', 'stg_crm__opportunity_line_items', 'line_item_id',
        'crm.opportunities', 'stg_crm__opportunities', 'opportunity_id'),
    ('crm.opportunity_history', 'stg_crm__opportunity_history', 'history_id',
        'crm.opportunities', 'stg_crm__opportunities', 'opportunity_id'),
    ('email.events', 'stg_email__events', 'event_id', 'email.messages', 'stg_email__messages', 'message_id'),
] -%}

with

{% for child_table, child_model, child_key, parent_table, parent_model, parent_key in links %}
    {{ child_model }}_orphans as (
        select
            '{{ child_table }}' as child_table,
            children.{{ child_key }} as child_id,
            '{{ parent_table }}' as parent_table,
            children.{{ parent_key }} as parent_id,
            children.source_relation,
            children._file_id
        from {{ ref(child_model) }} as children
        where
            children.{{ parent_key }} is not null
            and not exists (
                select 1
                from {{ ref(parent_model) }} as parents
                where parents.{{ parent_key }} = children.{{ parent_key }}
            )
    ),

{% endfor %}
final as (
    {%- for child_table, child_model, child_key, parent_table, parent_model, parent_key in links %}
        select * from {{ child_model }}_orphans
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
