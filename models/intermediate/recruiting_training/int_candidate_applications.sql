-- Applications with the applied date and the requisition's department (candidates per period).
with

applications as (

    select * from {{ ref('stg_hr__applications') }}

),

requisitions as (

    select * from {{ ref('stg_hr__requisitions') }}

),

final as (

    select
        applications.application_id,
        applications.candidate_id,
        applications.requisition_id,
        requisitions.department,
        applications.source_relation,
        applications.applied_at,
        {{ reporting_date('applications.applied_at') }} as applied_date
    from applications
    left join requisitions
        on applications.requisition_id = requisitions.requisition_id

)

select * from final
