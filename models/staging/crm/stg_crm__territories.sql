with

source as (

    select * from {{ crm_input('territories') }}

),

renamed as (

    select
        {{ salesmart_connection_key('territory_id') }} as territory_id,
        cast(territory_name as {{ dbt.type_string() }}) as territory_name,
        cast(region as {{ dbt.type_string() }}) as region,
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['territory_id'], ['updated_at']) }}

),

final as (

    select
        territory_id,
        territory_name,
        region,
        country_code,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
