-- Time entries of category recruiting (any employee), with the department of the requisition worked on.
with

time_entries as (

    select * from {{ ref('int_time_entries_deduped') }}

),

requisitions as (

    select * from {{ ref('stg_hr__requisitions') }}

),

final as (

    select
        time_entries.entry_id,
        time_entries.employee_id,
        time_entries.source_relation,
        time_entries.work_date,
        time_entries.requisition_id,
        requisitions.department,
        time_entries.hours
    from time_entries
    left join requisitions
        on time_entries.requisition_id = requisitions.requisition_id
    where time_entries.category = 'recruiting'

)

select * from final
