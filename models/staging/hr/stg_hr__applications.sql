with

source as (

    select * from {{ source('hr', 'applications') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(application_id as {{ dbt.type_string() }}) as application_id,
        cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
        cast(candidate_id as {{ dbt.type_string() }}) as candidate_id,
        cast(applied_at as timestamp) as applied_at,
        cast(stage as {{ dbt.type_string() }}) as stage,  -- noqa: RF04
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['application_id'], ['updated_at']) }}

),

final as (

    select
        application_id,
        requisition_id,
        candidate_id,
        applied_at,
        stage,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
