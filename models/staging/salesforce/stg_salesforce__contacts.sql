{{ config(enabled=salesforce_enabled('contact')) }}
{#- contract crm.contacts <- Salesforce Contact; persona is a custom field named by a var. -#}
{%- set columns = connector_columns(
    'salesforce', 'contact', ['id'], 'salesforce_contact_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'contact') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        {{ connector_column('account_id', columns) }} as account_id,
        {{ connector_column('first_name', columns) }} as first_name,
        {{ connector_column('last_name', columns) }} as last_name,
        {{ connector_column('email', columns) }} as email,
        {{ connector_column('phone', columns) }} as phone,
        {{ connector_column('title', columns) }} as title,
        {{ connector_picklist(connector_column(var('salesforce_contact_persona_field'), columns)) }} as persona,
        {{ salesforce_created_at(columns) }} as created_at,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_is_deleted(columns) }} as is_deleted,
        {{ connector_lineage(columns) }}
    from source
    where {{ connector_is_current(columns) }}

)

select * from renamed
