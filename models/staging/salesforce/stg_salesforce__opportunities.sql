{{ config(enabled=salesforce_enabled()) }}
{#- contract crm.opportunities <- Salesforce Opportunity. Stage through seed crm_stage_map; lead_id from the
    Lead converted into the deal; closed_at (no Salesforce field) is the time of the latest
    OpportunityHistory change into a closed stage up to this version. -#}
{%- set columns = connector_columns(
    'salesforce', 'opportunity', ['id', 'account_id', 'owner_id', 'stage_name', 'is_closed', 'is_won'],
    one_of=salesforce_version_columns()) -%}
{%- set lead_columns = connector_columns(
    'salesforce', 'lead', ['id', 'converted_opportunity_id'], 'salesforce_lead_enabled'
) if var('salesforce_lead_enabled', true) else [] -%}
{%- set history_columns = connector_columns(
    'salesforce', 'opportunity_history', ['opportunity_id', 'stage_name', 'created_date'],
    'salesforce_opportunity_history_enabled'
) if var('salesforce_opportunity_history_enabled', true) else [] -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'opportunity') }}

),

stage_map as (

    select
        crm_stage,
        stage_name
    from {{ ref('crm_stage_map') }}
    where crm_source = 'salesforce'

),

{% if var('salesforce_lead_enabled', true) -%}
converted_leads as (

    select
        converted_opportunity_id as opportunity_id,
        min(id) as lead_id
    from {{ connector_relation('salesforce', 'lead') }}
    where
        converted_opportunity_id is not null
        and {{ connector_is_current(lead_columns) }}
        and not {{ connector_is_deleted(lead_columns) }}
    group by converted_opportunity_id

),
{%- else %}
converted_leads as (

    select
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        cast(null as {{ dbt.type_string() }}) as lead_id
    where false

),
{%- endif %}

{% if var('salesforce_opportunity_history_enabled', true) -%}
closing_changes as (

    select
        history.opportunity_id,
        cast(history.created_date as timestamp) as changed_at
    from {{ connector_relation('salesforce', 'opportunity_history', 'history') }}
    left join stage_map
        on history.stage_name = stage_map.crm_stage
    where
        coalesce(stage_map.stage_name, {{ salesmart_snake_case('history.stage_name') }})
        in ('closed_won', 'closed_lost')
        and not {{ connector_is_deleted(history_columns) }}

),
{%- else %}
closing_changes as (

    select
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        cast(null as timestamp) as changed_at
    where false

),
{%- endif %}

renamed as (

    select
        cast(source.id as {{ dbt.type_string() }}) as opportunity_id,
        cast(source.account_id as {{ dbt.type_string() }}) as account_id,
        cast(source.owner_id as {{ dbt.type_string() }}) as owner_user_id,
        cast(converted_leads.lead_id as {{ dbt.type_string() }}) as lead_id,
        {{ connector_column('name', columns, alias='source') }} as opportunity_name,
        {{ connector_picklist(connector_column('type', columns, alias='source'),
            var('salesforce_opportunity_type_map', {})) }} as opportunity_type,
        coalesce(stage_map.stage_name, {{ salesmart_snake_case('source.stage_name') }}) as stage_name,
        {{ connector_column('amount', columns, 'decimal(18, 4)') }} as amount,
        {{ salesforce_currency(columns, 'source') }} as currency_code,
        {{ connector_column('close_date', columns, 'date') }} as close_date,
        cast(source.is_closed as boolean) as is_closed,
        cast(source.is_won as boolean) as is_won,
        case
            when cast(source.is_closed as boolean)
                then (
                    select max(closing_changes.changed_at)
                    from closing_changes
                    where
                        closing_changes.opportunity_id = source.id
                        and closing_changes.changed_at <= {{ salesforce_updated_at(columns, 'source') }}
                )
        end as closed_at,
        {{ connector_picklist(connector_column(var('salesforce_opportunity_lost_reason_field'), columns)) }}
            as lost_reason,
        {{ salesforce_created_at(columns, 'source') }} as created_at,
        {{ salesforce_updated_at(columns, 'source') }} as updated_at,
        {{ connector_is_deleted(columns) }} as is_deleted,
        {{ connector_lineage(columns, 'source') }}
    from source
    left join stage_map
        on source.stage_name = stage_map.crm_stage
    left join converted_leads
        on source.id = converted_leads.opportunity_id
    where {{ connector_is_current(columns) }}

)

select * from renamed
