with

source as (

    select * from {{ source('hr', 'training_courses') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(course_id as {{ dbt.type_string() }}) as course_id,
        cast(course_name as {{ dbt.type_string() }}) as course_name,
        cast(skill as {{ dbt.type_string() }}) as skill,
        cast(duration_hours as decimal(18, 4)) as duration_hours,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['course_id'], ['updated_at']) }}

),

final as (

    select
        course_id,
        course_name,
        skill,
        duration_hours,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
