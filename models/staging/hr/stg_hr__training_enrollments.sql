with

source as (

    select * from {{ source('hr', 'training_enrollments') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(enrollment_id as {{ dbt.type_string() }}) as enrollment_id,
        cast(employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(course_id as {{ dbt.type_string() }}) as course_id,
        cast(enrolled_at as timestamp) as enrolled_at,
        cast(completed_at as timestamp) as completed_at,
        cast(hours_spent as decimal(18, 4)) as hours_spent,
        cast(cost as decimal(18, 4)) as cost,  -- noqa: RF04
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(assessment_score as decimal(18, 4)) as assessment_score,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['enrollment_id'], ['updated_at']) }}

),

final as (

    select
        enrollment_id,
        employee_id,
        course_id,
        enrolled_at,
        completed_at,
        hours_spent,
        cost,
        currency_code,
        assessment_score,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
