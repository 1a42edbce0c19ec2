-- Filled requisitions with days from opening to filling (time to hire).
with

requisitions as (

    select * from {{ ref('stg_hr__requisitions') }}

),

final as (

    select
        requisition_id,
        department,
        hired_employee_id,
        opened_at,
        filled_at,
        cast(filled_at as date) as filled_date,
        {{ dbt.datediff('cast(opened_at as date)', 'cast(filled_at as date)', 'day') }} as days_to_hire
    from requisitions
    where
        status = 'filled'
        and filled_at is not null

)

select * from final
