with

source as (

    select * from {{ crm_input('user_events') }}
    where {{ optional_input_enabled('user_events') }}

),

renamed as (

    select
        {{ salesmart_connection_key('event_id') }} as event_id,
        {{ salesmart_connection_key('user_id') }} as user_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(event_at as timestamp) as event_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['event_id'], []) }}

),

final as (

    select
        event_id,
        user_id,
        event_type,
        event_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
