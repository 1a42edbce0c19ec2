{{ config(enabled=salesforce_enabled('lead')) }}
{#- contract crm.leads <- Salesforce Lead (status, conversion, lead source) + the lead's first CampaignMember
    as campaign_id; MQL and SQL dates and persona are custom fields named by vars. -#}
{%- set columns = connector_columns(
    'salesforce', 'lead', ['id', 'status'], 'salesforce_lead_enabled', one_of=salesforce_version_columns()) -%}
{%- set member_columns = connector_columns(
    'salesforce', 'campaign_member', ['id', 'campaign_id', 'lead_id'], 'salesforce_campaign_member_enabled',
    one_of=salesforce_version_columns()
) if var('salesforce_campaign_member_enabled', true) else [] -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'lead') }}

),

{% if var('salesforce_campaign_member_enabled', true) -%}
campaign_members as (

    select
        lead_id,
        campaign_id,
        row_number() over (
            partition by lead_id
            order by {{ salesforce_created_at(member_columns) }}, id
        ) as member_rank
    from {{ connector_relation('salesforce', 'campaign_member') }}
    where
        lead_id is not null
        and {{ connector_is_current(member_columns) }}
        and not {{ connector_is_deleted(member_columns) }}

),

first_campaigns as (

    select
        lead_id,
        campaign_id
    from campaign_members
    where member_rank = 1

),
{%- else %}
first_campaigns as (

    select
        cast(null as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id
    where false

),
{%- endif %}

renamed as (

    select
        cast(source.id as {{ dbt.type_string() }}) as lead_id,
        {{ salesforce_created_at(columns, 'source') }} as created_at,
        {{ connector_picklist(connector_column('lead_source', columns), var('salesforce_lead_source_map', {})) }}
            as source_channel,
        cast(first_campaigns.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        {{ connector_column('owner_id', columns) }} as owner_user_id,
        {{ connector_column('email', columns) }} as email,
        {{ connector_column('company', columns) }} as company_name,
        {{ connector_picklist(connector_column(var('salesforce_lead_persona_field'), columns)) }} as persona,
        {{ connector_picklist('source.status', var('salesforce_lead_status_map', {})) }} as status,
        {{ connector_column(var('salesforce_lead_mql_date_field'), columns, 'timestamp') }} as mql_at,
        {{ connector_column(var('salesforce_lead_sql_date_field'), columns, 'timestamp') }} as sql_at,
        {{ connector_column('converted_date', columns, 'timestamp') }} as converted_at,
        {{ connector_column('converted_account_id', columns) }} as converted_account_id,
        {{ connector_column('converted_contact_id', columns) }} as converted_contact_id,
        {{ connector_column('converted_opportunity_id', columns) }} as converted_opportunity_id,
        {{ salesforce_updated_at(columns, 'source') }} as updated_at,
        {{ connector_is_deleted(columns) }} as is_deleted,
        {{ connector_lineage(columns, 'source') }}
    from source
    left join first_campaigns
        on source.id = first_campaigns.lead_id
    where {{ connector_is_current(columns) }}

)

select * from renamed
