with

source as (

    select * from {{ source('hr', 'employees') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(employee_id as {{ dbt.type_string() }}) as employee_id,
        {{ hash_pii('email') }} as email_hash,
        cast(department as {{ dbt.type_string() }}) as department,
        cast(job_title as {{ dbt.type_string() }}) as job_title,
        cast(manager_employee_id as {{ dbt.type_string() }}) as manager_employee_id,
        cast(hire_date as date) as hire_date,
        cast(termination_date as date) as termination_date,
        cast(termination_reason as {{ dbt.type_string() }}) as termination_reason,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['employee_id'], ['updated_at']) }}

),

final as (

    select
        employee_id,
        email_hash,
        department,
        job_title,
        manager_employee_id,
        hire_date,
        termination_date,
        termination_reason,
        currency_code,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
