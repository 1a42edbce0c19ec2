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
        source_relation,
        opened_at,
        filled_at,
        {{ reporting_date('filled_at') }} as filled_date,
        -- LT05 judges the rendered line, and dbt.datediff renders long.
        {{ dbt.datediff(reporting_date('opened_at'), reporting_date('filled_at'), 'day') }} as days_to_hire  -- noqa: LT05
    from requisitions
    where
        status = 'filled'
        and filled_at is not null

)

select * from final
