with

source as (

    select * from {{ crm_input('opportunity_line_items') }}

),

renamed as (

    select
        {{ salesmart_connection_key('line_item_id') }} as line_item_id,
        {{ salesmart_connection_key('opportunity_id') }} as opportunity_id,
        {{ salesmart_connection_key('product_id') }} as product_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        cast(discount_pct as decimal(18, 4)) as discount_pct,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['line_item_id'], ['updated_at']) }}

),

final as (

    select
        line_item_id,
        opportunity_id,
        product_id,
        quantity,
        unit_price,
        discount_pct,
        updated_at,
        is_deleted,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
