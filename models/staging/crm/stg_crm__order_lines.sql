with

source as (

    select * from {{ crm_input('order_lines') }}

),

renamed as (

    select
        {{ salesmart_connection_key('order_line_id') }} as order_line_id,
        {{ salesmart_connection_key('order_id') }} as order_id,
        {{ salesmart_connection_key('product_id') }} as product_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        cast(discount_amount as decimal(18, 4)) as discount_amount,
        cast(unit_cost as decimal(18, 4)) as unit_cost,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['order_line_id'], ['updated_at']) }}

),

final as (

    select
        order_line_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        discount_amount,
        unit_cost,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
