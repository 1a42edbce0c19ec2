{{ config(enabled=salesforce_enabled('order')) }}
{#- contract crm.orders <- Salesforce Order: booked when status_code is one of var
    salesforce_booked_order_status_codes (default Activated), else cancelled. Deleted orders are dropped. -#}
{%- set columns = connector_columns('salesforce', 'order',
    ['id', 'account_id', 'effective_date', 'status_code'], 'salesforce_order_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'order') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as order_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {{ connector_column('opportunity_id', columns) }} as opportunity_id,
        cast(effective_date as date) as order_date,
        {{ salesforce_currency(columns) }} as currency_code,
        case
            when status_code in ('{{ var("salesforce_booked_order_status_codes") | join("', '") }}') then 'booked'
            else 'cancelled'
        end as status,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_lineage(columns) }}
    from source
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'id') }}

)

select * from renamed
