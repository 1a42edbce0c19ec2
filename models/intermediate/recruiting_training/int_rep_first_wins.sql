-- First won opportunity per rep (CRM users with role sales_rep) and the days from HR hire_date to it.
with

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

employees as (

    select * from {{ ref('stg_hr__employees') }}

),

wins_ranked as (

    select
        opportunity_id,
        owner_user_id,
        closed_at,
        closed_date,
        row_number() over (
            partition by owner_user_id
            order by closed_at, opportunity_id
        ) as win_rank
    from opportunities
    where is_won and closed_at is not null

),

final as (

    select
        users.user_id,
        users.team,
        users.source_relation,
        employees.hire_date,
        wins_ranked.opportunity_id as first_won_opportunity_id,
        wins_ranked.closed_at as first_won_at,
        wins_ranked.closed_date as first_won_date,
        -- LT05 judges the rendered line, and dbt.datediff renders long.
        {{ dbt.datediff('employees.hire_date', 'wins_ranked.closed_date', 'day') }} as ramp_days  -- noqa: LT05
    from wins_ranked
    inner join users
        on wins_ranked.owner_user_id = users.user_id
    left join employees
        on users.employee_id = employees.employee_id
    where
        wins_ranked.win_rank = 1
        and users.role = 'sales_rep'

)

select * from final
