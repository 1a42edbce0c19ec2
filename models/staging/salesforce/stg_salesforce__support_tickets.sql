{{ config(enabled=salesforce_enabled('case')) }}
{#- contract crm.support_tickets <- Salesforce Case; category from the Case type (a complaint is type Complaint;
    var salesforce_case_type_map for other labels). Deleted cases are dropped (no is_deleted in the contract). -#}
{%- set columns = connector_columns('salesforce', 'case',
    ['id', 'type'], 'salesforce_case_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'case') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as ticket_id,
        {{ connector_column('account_id', columns) }} as account_id,
        {{ connector_picklist('type', var('salesforce_case_type_map', {})) }} as category,
        {{ salesforce_created_at(columns) }} as opened_at,
        {{ connector_column('closed_date', columns, 'timestamp') }} as closed_at,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_lineage(columns) }}
    from source
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'id') }}

)

select * from renamed
