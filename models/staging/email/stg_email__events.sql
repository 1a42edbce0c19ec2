{#- Incremental, not a view: each build dedups only the rows of new files (macro rows_in_new_files; without
    a version column the newest file's row of a event_id is its latest version), and its tests and the models
    above it read a table instead of re-ranking the whole history each (the largest cost of a build at
    scale 1). -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

with

source as (

    select * from {{ source('email', 'events') }}
    where {{ optional_input_enabled('email') }} and {{ rows_in_new_files() }}

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
