with

source as (

    select * from {{ crm_input('products') }}

),

renamed as (

    select
        {{ salesmart_connection_key('product_id') }} as product_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        cast(product_family as {{ dbt.type_string() }}) as product_family,
        cast(list_price as decimal(18, 4)) as list_price,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(is_active as boolean) as is_active,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['product_id'], ['updated_at']) }}

),

final as (

    select
        product_id,
        product_name,
        product_family,
        list_price,
        currency_code,
        is_active,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
