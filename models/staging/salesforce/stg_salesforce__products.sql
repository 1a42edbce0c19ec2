{{ config(enabled=salesforce_enabled('product_2')) }}
{#- contract crm.products <- Salesforce Product2; list price from a custom field named by a var (the standard
    price sits in PricebookEntry). Deleted products are dropped (the contract table has no is_deleted). -#}
{%- set columns = connector_columns('salesforce', 'product_2',
    ['id', 'name', 'is_active'], 'salesforce_product_2_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'product_2') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as product_id,
        cast(name as {{ dbt.type_string() }}) as product_name,
        coalesce({{ connector_picklist(connector_column('family', columns)) }}, 'other') as product_family,
        {{ connector_column(var('salesforce_product_list_price_field'), columns, 'decimal(18, 4)') }} as list_price,
        {{ salesforce_currency(columns) }} as currency_code,
        cast(is_active as boolean) as is_active,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_lineage(columns) }}
    from source
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'id') }}

)

select * from renamed
