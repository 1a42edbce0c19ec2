-- Training enrollments of sales employees, cost converted at the enrollment date's fx rate.
with

enrollments as (

    select * from {{ ref('stg_hr__training_enrollments') }}

),

courses as (

    select * from {{ ref('stg_hr__training_courses') }}

),

sales_employees as (

    select * from {{ ref('int_sales_employees') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

sales_enrollments as (

    select
        enrollments.enrollment_id,
        enrollments.employee_id,
        enrollments.course_id,
        courses.skill,
        enrollments.source_relation,
        enrollments.enrolled_at,
        {{ reporting_date('enrollments.enrolled_at') }} as enrolled_date,
        enrollments.completed_at,
        {{ reporting_date('enrollments.completed_at') }} as completed_date,
        enrollments.hours_spent,
        enrollments.cost,
        enrollments.currency_code,
        enrollments.assessment_score
    from enrollments
    inner join sales_employees
        on enrollments.employee_id = sales_employees.employee_id
    left join courses
        on enrollments.course_id = courses.course_id

),

final as (

    select
        sales_enrollments.enrollment_id,
        sales_enrollments.employee_id,
        sales_enrollments.course_id,
        sales_enrollments.skill,
        sales_enrollments.source_relation,
        sales_enrollments.enrolled_at,
        sales_enrollments.enrolled_date,
        sales_enrollments.completed_at,
        sales_enrollments.completed_date,
        sales_enrollments.hours_spent,
        sales_enrollments.cost,
        sales_enrollments.currency_code,
        -- A cost without a rate stays null here; a test on this column makes it an error.
        {{ reporting_amount('sales_enrollments.cost', 'fx_rates.rate_to_reporting') }} as cost_reporting,
        sales_enrollments.assessment_score
    from sales_enrollments
    left join fx_rates
        on
            sales_enrollments.currency_code = fx_rates.currency_code
            and sales_enrollments.enrolled_date = fx_rates.rate_date

)

select * from final
