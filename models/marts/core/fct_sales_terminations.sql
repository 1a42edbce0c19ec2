{#- One row per sales employee (HR department sales) with a termination date: the numerator of
    turnover_rate. termination_reason is left out: slices by it are suppressed below min_group_size in
    kpi_recruiting_training, which a row-level fact could not honour. -#}

with

sales_employees as (
    select * from {{ ref('int_sales_employees') }}
),

final as (
    select
        employee_id,
        user_id,
        team,
        source_relation,
        termination_date
    from sales_employees
    where termination_date is not null
)

select * from final
