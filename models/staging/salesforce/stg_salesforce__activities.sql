{{ config(enabled=salesforce_enabled()
    and (var('salesforce_task_enabled', true) or var('salesforce_event_enabled', true))) }}
{#- contract crm.activities <- Salesforce Task and Event. Calls are Tasks of task_subtype
    var salesforce_call_task_subtype (default Call); a Task of type Proposal/Demo/Meeting is that activity,
    other Tasks are tasks, and sales e-mail Tasks (var salesforce_email_task_subtype) are left out: e-mails
    come from the email system. Events are meetings, or demos when their type is Demo. WhoId is the lead
    when it is a Lead id, else the contact; WhatId the opportunity when it is an Opportunity id. -#}
{%- set task_columns = connector_columns(
    'salesforce', 'task', ['id', 'owner_id'], 'salesforce_task_enabled', one_of=salesforce_version_columns()
) if var('salesforce_task_enabled', true) else [] -%}
{%- set event_columns = connector_columns(
    'salesforce', 'event', ['id', 'owner_id', 'start_date_time'], 'salesforce_event_enabled',
    one_of=salesforce_version_columns()
) if var('salesforce_event_enabled', true) else [] -%}

with

{% if var('salesforce_lead_enabled', true) -%}
lead_ids as (

    select distinct id as lead_id
    from {{ connector_relation('salesforce', 'lead') }}

),
{%- else %}
lead_ids as (

    select cast(null as {{ dbt.type_string() }}) as lead_id
    where false

),
{%- endif %}

opportunity_ids as (

    select distinct id as opportunity_id
    from {{ connector_relation('salesforce', 'opportunity') }}

),

{% if var('salesforce_task_enabled', true) -%}
tasks as (

    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        case
            when task_subtype = '{{ var("salesforce_call_task_subtype") }}' then 'call'
            when {{ salesmart_snake_case('type') }} in ('proposal', 'demo', 'meeting')
                then {{ salesmart_snake_case('type') }}
            else 'task'
        end as activity_type,
        cast(owner_id as {{ dbt.type_string() }}) as owner_user_id,
        {{ connector_column('who_id', task_columns) }} as who_id,
        {{ connector_column('what_id', task_columns) }} as what_id,
        {{ connector_column('account_id', task_columns) }} as account_id,
        coalesce(
            {{ connector_column('completed_date_time', task_columns, 'timestamp') }},
            {{ connector_column('activity_date', task_columns, 'timestamp') }}
        ) as activity_at,
        {{ connector_column('call_duration_in_seconds', task_columns, 'bigint') }} as duration_seconds,
        case
            when task_subtype = '{{ var("salesforce_call_task_subtype") }}'
                then {{ connector_picklist(connector_column('call_disposition', task_columns)) }}
        end as call_outcome,
        cast(null as {{ dbt.type_string() }}) as meeting_status,
        {{ salesforce_created_at(task_columns) }} as created_at,
        {{ salesforce_updated_at(task_columns) }} as updated_at,
        {{ connector_is_deleted(task_columns) }} as is_deleted,
        {{ connector_lineage(task_columns) }}
    from {{ connector_relation('salesforce', 'task') }}
    where
        {{ connector_is_current(task_columns) }}
        and coalesce(task_subtype, '') <> '{{ var("salesforce_email_task_subtype") }}'

),
{%- endif %}

{% if var('salesforce_event_enabled', true) -%}
events as (

    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        case
            when {{ salesmart_snake_case(connector_column('type', event_columns)) }} = 'demo' then 'demo'
            else 'meeting'
        end as activity_type,
        cast(owner_id as {{ dbt.type_string() }}) as owner_user_id,
        {{ connector_column('who_id', event_columns) }} as who_id,
        {{ connector_column('what_id', event_columns) }} as what_id,
        {{ connector_column('account_id', event_columns) }} as account_id,
        cast(start_date_time as timestamp) as activity_at,
        {{ connector_column('duration_in_minutes', event_columns, 'bigint') }} * 60 as duration_seconds,
        cast(null as {{ dbt.type_string() }}) as call_outcome,
        case
            when {{ salesmart_snake_case(connector_column('type', event_columns)) }} = 'demo' then null
            else {{ connector_picklist(connector_column(var('salesforce_event_meeting_status_field'), event_columns)) }}
        end as meeting_status,
        {{ salesforce_created_at(event_columns) }} as created_at,
        {{ salesforce_updated_at(event_columns) }} as updated_at,
        {{ connector_is_deleted(event_columns) }} as is_deleted,
        {{ connector_lineage(event_columns) }}
    from {{ connector_relation('salesforce', 'event') }}
    where {{ connector_is_current(event_columns) }}

),
{%- endif %}

unioned as (

    {% if var('salesforce_task_enabled', true) -%}
    select * from tasks
    {%- endif %}
    {% if var('salesforce_task_enabled', true) and var('salesforce_event_enabled', true) -%}
    union all
    {%- endif %}
    {% if var('salesforce_event_enabled', true) -%}
    select * from events
    {%- endif %}

),

renamed as (

    select
        unioned.activity_id,
        unioned.activity_type,
        unioned.owner_user_id,
        lead_ids.lead_id,
        case when lead_ids.lead_id is null then unioned.who_id end as contact_id,
        unioned.account_id,
        opportunity_ids.opportunity_id,
        unioned.activity_at,
        unioned.duration_seconds,
        unioned.call_outcome,
        unioned.meeting_status,
        unioned.created_at,
        unioned.updated_at,
        unioned.is_deleted,
        unioned._file_id,
        unioned._source_line,
        unioned._loaded_at,
        unioned._source_relation
    from unioned
    left join lead_ids
        on unioned.who_id = lead_ids.lead_id
    left join opportunity_ids
        on unioned.what_id = opportunity_ids.opportunity_id

)

select * from renamed
