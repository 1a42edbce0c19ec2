with

source as (

    select * from {{ source('email', 'events') }}
    where {{ optional_input_enabled('email') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(message_id as {{ dbt.type_string() }}) as message_id,
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
        message_id,
        event_type,
        event_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
