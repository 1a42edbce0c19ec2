{#- crm.activities from HubSpot engagements (docs/sources.md): every engagement version the source holds;
    stg_crm__activities keeps the latest. activity_type: the call-and-meeting type label (activity_type, e.g.
    Demo, Proposal) when seed hubspot_property_values maps it, else the engagement type (CALL, MEETING, TASK);
    types the seed maps to nothing (EMAIL, NOTE: e-mails are the email system's) are left out; a type, outcome
    or disposition the seed does not know passes through as written and fails the test that names it. Each version takes the call / meeting row the connector
    wrote with it (the latest synced at or before it, else the first); call_outcome: the call disposition,
    meeting_status: the meeting outcome, both through the seed; duration: the call's, or the meeting's end
    minus start. Contact, company, deal and lead: the engagement's associations (the smallest id if several). -#}
{%- set present = connector_columns(
    'hubspot', 'engagement', ['id', 'type', 'timestamp', 'created_at', 'last_updated']
) -%}
{#- detail table -> {column: type} -#}
{%- set details = {
    'engagement_call': {'disposition': 'string', 'duration_milliseconds': 'bigint'},
    'engagement_meeting': {'start_time': 'timestamp', 'end_time': 'timestamp', 'meeting_outcome': 'string'},
} -%}
{%- set contract_columns = {'company_id': 'account_id', 'deal_id': 'opportunity_id'} -%}
{%- set associations = {
    'engagement_contact': 'contact_id',
    'engagement_company': 'company_id',
    'engagement_deal': 'deal_id',
    'engagement_lead': 'lead_id',
} -%}

with

source as (

    select * from {{ connector_relation('hubspot', 'engagement') }}

),

property_values as (

    select * from {{ ref('hubspot_property_values') }}

),

engagements as (

    select
        cast(id as {{ dbt.type_string() }}) as engagement_id,
        cast(type as {{ dbt.type_string() }}) as engagement_type,
        {{ connector_column('activity_type', present) }} as activity_label,
        {{ connector_column('owner_id', present) }} as owner_id,
        cast(timestamp as timestamp) as occurred_at,
        cast(created_at as timestamp) as created_at,
        cast(last_updated as timestamp) as updated_at,
        {{ connector_column('_fivetran_synced', present, 'timestamp') }} as synced_at,
        {{ connector_is_deleted(present) }} as is_deleted,
        {{ connector_lineage(present) }}
    from source
    where {{ connector_is_current(present) }}

),

{% for table_name, columns in details.items() %}
    {%- if var('hubspot_' ~ table_name ~ '_enabled', true) %}
{%- set detail_present = connector_columns(
    'hubspot', table_name, ['engagement_id'], enabled_var='hubspot_' ~ table_name ~ '_enabled'
) %}
        {{ table_name }}_rows as (

            select
                cast(engagement_id as {{ dbt.type_string() }}) as engagement_id,
                {%- for column, column_type in columns.items() %}
                    {{ connector_column(column, detail_present, column_type) }} as {{ column }},
                {%- endfor %}
                {{ connector_column('_fivetran_synced', detail_present, 'timestamp') }} as synced_at,
                {{ connector_column('_file_id', detail_present, 'bigint') }} as detail_file_id,
                {{ connector_column('_source_line', detail_present, 'bigint') }} as detail_source_line
            from {{ connector_relation('hubspot', table_name) }}

        ),

        {{ table_name }}_for_version as (

            select *
            from (
                select
                    engagements.engagement_id as version_engagement_id,
                    engagements._file_id as version_file_id,
                    engagements._source_line as version_source_line,
                    detail.*,
                    row_number() over (
                        partition by engagements.engagement_id, engagements._file_id, engagements._source_line
                        order by
                            case when detail.synced_at <= engagements.synced_at then 0 else 1 end,
                            case
                                when detail.synced_at <= engagements.synced_at then detail.synced_at
                            end desc nulls last,
                            detail.synced_at,
                            detail.detail_file_id desc,
                            detail.detail_source_line desc
                    ) as detail_rank
                from engagements
                inner join {{ table_name }}_rows as detail
                    on engagements.engagement_id = detail.engagement_id
            ) as ranked
            where detail_rank = 1

        ),
    {%- endif %}
{% endfor %}

{% for table_name, column in associations.items() %}
    {%- if var('hubspot_' ~ table_name ~ '_enabled', true) %}
{%- set association_present = connector_columns(
    'hubspot', table_name, ['engagement_id', column], enabled_var='hubspot_' ~ table_name ~ '_enabled'
) %}
        {{ table_name }}_first as (

            select
                cast(engagement_id as {{ dbt.type_string() }}) as engagement_id,
                min(cast({{ column }} as {{ dbt.type_string() }})) as {{ column }}
            from {{ connector_relation('hubspot', table_name) }}
            where not {{ connector_is_deleted(association_present) }}
            group by cast(engagement_id as {{ dbt.type_string() }})

        ),
    {%- endif %}
{% endfor %}

typed as (

    select
        engagements.*,
        coalesce(
            activity_labels.contract_value, engagement_types.contract_value, engagements.engagement_type
        ) as activity_type
    from engagements
    left join property_values as engagement_types
        on
            engagement_types.property = 'engagement_type'
            and engagements.engagement_type = engagement_types.hubspot_value
    left join property_values as activity_labels
        on
            activity_labels.property = 'engagement_activity_type'
            and engagements.activity_label = activity_labels.hubspot_value
    -- known types the seed maps to nothing (EMAIL, NOTE) are not CRM activities
    where engagement_types.hubspot_value is null or engagement_types.contract_value is not null

),

renamed as (

    select
        typed.engagement_id as activity_id,
        cast(typed.activity_type as {{ dbt.type_string() }}) as activity_type,
        typed.owner_id as owner_user_id,
        {% for table_name, column in associations.items() -%}
            {%- set contract_column = contract_columns.get(column, column) -%}
            {%- if var('hubspot_' ~ table_name ~ '_enabled', true) -%}
                {{ table_name }}_first.{{ column }} as {{ contract_column }},
            {%- else -%}
        cast(null as {{ dbt.type_string() }}) as {{ contract_column }},
        {%- endif %}
        {% endfor -%}
        typed.occurred_at as activity_at,
        {% if var('hubspot_engagement_call_enabled', true) and var('hubspot_engagement_meeting_enabled', true) -%}
            cast(
                coalesce(
                    engagement_call_for_version.duration_milliseconds / 1000,
                {{ dbt.datediff(
                    'cast(engagement_meeting_for_version.start_time as timestamp)',
                    'cast(engagement_meeting_for_version.end_time as timestamp)',
                    'second',
                ) }}
                ) as bigint
            ) as duration_seconds,
        {%- else -%}
        cast(null as bigint) as duration_seconds,
        {%- endif %}
        {% if var('hubspot_engagement_call_enabled', true) -%}
            cast(
                coalesce(
                    call_outcomes.contract_value, engagement_call_for_version.disposition
                ) as {{ dbt.type_string() }}
            )
                as call_outcome,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as call_outcome,
        {%- endif %}
        {% if var('hubspot_engagement_meeting_enabled', true) -%}
            cast(
                coalesce(
                    meeting_outcomes.contract_value, engagement_meeting_for_version.meeting_outcome
                ) as {{ dbt.type_string() }}
            )
                as meeting_status,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as meeting_status,
        {%- endif %}
        typed.created_at,
        typed.updated_at,
        typed.is_deleted,
        typed._file_id,
        typed._source_line,
        typed._loaded_at,
        typed._source_relation
    from typed
    {% for table_name, column in associations.items() if var('hubspot_' ~ table_name ~ '_enabled', true) -%}
        left join {{ table_name }}_first
            on typed.engagement_id = {{ table_name }}_first.engagement_id
    {% endfor -%}
    {% if var('hubspot_engagement_call_enabled', true) -%}
        left join engagement_call_for_version
            on
                typed.activity_type = 'call'
                and typed.engagement_id = engagement_call_for_version.version_engagement_id
                and typed._file_id = engagement_call_for_version.version_file_id
                and coalesce(typed._source_line, -1) = coalesce(engagement_call_for_version.version_source_line, -1)
        left join property_values as call_outcomes
            on
                call_outcomes.property = 'call_disposition'
                and engagement_call_for_version.disposition = call_outcomes.hubspot_value
    {% endif -%}
    {% if var('hubspot_engagement_meeting_enabled', true) -%}
        left join engagement_meeting_for_version
            on
                typed.activity_type in ('meeting', 'demo')
                and typed.engagement_id = engagement_meeting_for_version.version_engagement_id
                and typed._file_id = engagement_meeting_for_version.version_file_id
                and coalesce(typed._source_line, -1) = coalesce(engagement_meeting_for_version.version_source_line, -1)
        left join property_values as meeting_outcomes
            on
                meeting_outcomes.property = 'meeting_outcome'
                and engagement_meeting_for_version.meeting_outcome = meeting_outcomes.hubspot_value
    {% endif %}

)

select * from renamed
