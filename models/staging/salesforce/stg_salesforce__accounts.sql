{{ config(enabled=salesforce_enabled()) }}
{#- contract crm.accounts <- Salesforce Account; segment and territory are custom fields named by vars. -#}
{%- set columns = connector_columns('salesforce', 'account', ['id', 'name'], one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'account') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        {{ connector_picklist(connector_column('industry', columns)) }} as industry,
        {{ connector_picklist(connector_column(var('salesforce_account_segment_field'), columns)) }} as segment,
        {{ connector_column('number_of_employees', columns, 'bigint') }} as employee_count,
        {{ connector_column('billing_country', columns) }} as billing_country,
        {{ connector_column(var('salesforce_account_territory_field'), columns) }} as territory_id,
        {{ connector_column('owner_id', columns) }} as owner_user_id,
        {{ salesforce_created_at(columns) }} as created_at,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_is_deleted(columns) }} as is_deleted,
        {{ connector_lineage(columns) }}
    from source
    where {{ connector_is_current(columns) }}

)

select * from renamed
