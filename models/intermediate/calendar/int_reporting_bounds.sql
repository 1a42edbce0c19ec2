{#- One row: the first and last event dates in the data and the as-of date.
    Add an event source here when a new family brings event tables the list does not cover. -#}
{%- set event_dates = [
    ('stg_crm__opportunities', 'not is_deleted', reporting_date('created_at')),
    ('stg_crm__opportunities', 'not is_deleted', reporting_date('closed_at')),
    ('int_opportunity_history_deduped', 'true', reporting_date('changed_at')),
    ('stg_crm__leads', 'not is_deleted', reporting_date('created_at')),
    ('stg_crm__activities', 'not is_deleted', reporting_date('created_at')),
    ('stg_crm__orders', 'true', 'order_date'),
    ('stg_crm__nps_responses', 'true', reporting_date('responded_at')),
    ('stg_crm__support_tickets', 'true', reporting_date('opened_at')),
    ('int_user_events_deduped', 'true', reporting_date('event_at')),
    ('int_email_messages_flagged', 'true', reporting_date('sent_at')),
    ('stg_marketing__ad_performance_daily', 'true', 'performance_date'),
    ('stg_marketing__costs', 'true', 'cost_date'),
    ('stg_marketing__social_engagements', 'true', reporting_date('occurred_at')),
    ('stg_hr__applications', 'true', reporting_date('applied_at')),
    ('stg_hr__training_enrollments', 'true', reporting_date('enrolled_at')),
    ('int_time_entries_deduped', 'true', 'work_date'),
] -%}

with

event_dates as (
    {%- for model_name, condition, date_expr in event_dates %}
        select {{ date_expr }} as event_date
        from {{ ref(model_name) }}
        where {{ condition }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

bounds as (
    select
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from event_dates
),

final as (
    select
        first_event_date,
        last_event_date,
        {%- set literal = as_of_date_literal() %}
        {%- if literal is none %}
            last_event_date as as_of_date
        {%- else %}
            {{ literal }} as as_of_date
        {%- endif %}
    from bounds
)

select * from final
