-- Conformed rep dimension: the CRM users (dim_users) with role sales_rep, hire_date from HR; no names or emails.
with

users as (

    select * from {{ ref('dim_users') }}

),

employees as (

    select * from {{ ref('stg_hr__employees') }}

),

final as (

    select
        users.user_id,
        users.team,
        users.territory_id,
        users.manager_user_id,
        employees.hire_date,
        users.source_relation,
        users.is_active
    from users
    left join employees
        on users.employee_id = employees.employee_id
    where users.role = 'sales_rep'

)

select * from final
