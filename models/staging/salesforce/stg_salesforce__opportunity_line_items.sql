{{ config(enabled=salesforce_enabled('opportunity_line_item')) }}
{#- contract crm.opportunity_line_items <- Salesforce OpportunityLineItem (discount is a percentage, as in
    the contract). -#}
{%- set columns = connector_columns('salesforce', 'opportunity_line_item',
    ['id', 'opportunity_id', 'product_2_id', 'quantity', 'unit_price'],
    'salesforce_opportunity_line_item_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'opportunity_line_item') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as line_item_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(product_2_id as {{ dbt.type_string() }}) as product_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        {{ connector_column('discount', columns, 'decimal(18, 4)') }} as discount_pct,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_is_deleted(columns) }} as is_deleted,
        {{ connector_lineage(columns) }}
    from source
    where {{ connector_is_current(columns) }}

)

select * from renamed
