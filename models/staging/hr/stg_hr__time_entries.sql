with

source as (

    select * from {{ source('hr', 'time_entries') }}
    where {{ optional_input_enabled('hr') }}

),

renamed as (

    select
        cast(entry_id as {{ dbt.type_string() }}) as entry_id,
        cast(employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(work_date as date) as work_date,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(hours as decimal(18, 4)) as hours,
        cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['entry_id'], ['updated_at']) }}

),

final as (

    select
        entry_id,
        employee_id,
        work_date,
        category,
        hours,
        requisition_id,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
