{{ config(enabled=salesforce_enabled('order_item')) }}
{#- contract crm.order_lines <- Salesforce OrderItem; the line discount (an amount) and the unit cost are custom
    fields named by vars. Deleted lines are dropped (the contract table has no is_deleted). -#}
{%- set columns = connector_columns('salesforce', 'order_item',
    ['id', 'order_id', 'product_2_id', 'quantity', 'unit_price'], 'salesforce_order_item_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'order_item') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as order_line_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(product_2_id as {{ dbt.type_string() }}) as product_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        {{ connector_column(var('salesforce_order_item_discount_field'), columns, 'decimal(18, 4)') }}
            as discount_amount,
        {{ connector_column(var('salesforce_order_item_unit_cost_field'), columns, 'decimal(18, 4)') }} as unit_cost,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_lineage(columns) }}
    from source
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'id') }}

)

select * from renamed
