-- Sales employees (HR department sales) with their CRM user; no names or salaries past staging.
with

employees as (

    select * from {{ ref('stg_hr__employees') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

-- An employee may have several CRM logins; keep one, preferring an active sales_rep login.
users_ranked as (

    select
        employee_id,
        user_id,
        source_relation,
        team,
        row_number() over (
            partition by employee_id
            order by
                case when role = 'sales_rep' then 0 else 1 end,
                case when is_active then 0 else 1 end,
                user_id
        ) as user_rank
    from users
    where employee_id is not null

),

final as (

    select
        employees.employee_id,
        users_ranked.user_id,
        users_ranked.team,
        coalesce(users_ranked.source_relation, employees.source_relation) as source_relation,
        employees.hire_date,
        employees.termination_date,
        employees.termination_reason
    from employees
    left join users_ranked
        on
            employees.employee_id = users_ranked.employee_id
            and users_ranked.user_rank = 1
    where lower(trim(employees.department)) = 'sales'

)

select * from final
