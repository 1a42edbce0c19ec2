with

source as (

    select * from {{ crm_input('orders') }}

),

renamed as (

    select
        {{ salesmart_connection_key('order_id') }} as order_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ salesmart_connection_key('opportunity_id') }} as opportunity_id,
        cast(order_date as date) as order_date,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['order_id'], ['updated_at']) }}

),

final as (

    select
        order_id,
        account_id,
        opportunity_id,
        order_date,
        currency_code,
        status,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
