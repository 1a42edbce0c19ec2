with

source as (

    select * from {{ source('hr', 'requisitions') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
        cast(department as {{ dbt.type_string() }}) as department,
        cast(job_title as {{ dbt.type_string() }}) as job_title,
        cast(opened_at as timestamp) as opened_at,
        cast(filled_at as timestamp) as filled_at,
        cast(hired_employee_id as {{ dbt.type_string() }}) as hired_employee_id,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['requisition_id'], ['updated_at']) }}

),

final as (

    select
        requisition_id,
        department,
        job_title,
        opened_at,
        filled_at,
        hired_employee_id,
        status,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
