-- Rep-days: one row per sales employee x work_date with any time entry, hours per category.
with

time_entries as (

    select * from {{ ref('int_time_entries_deduped') }}

),

sales_employees as (

    select * from {{ ref('int_sales_employees') }}

),

final as (

    select
        time_entries.employee_id,
        time_entries.work_date,
        sales_employees.user_id,
        sales_employees.team,
        sales_employees.source_relation,
        {%- for category in [
            'selling', 'prospect_research', 'data_entry', 'content_creation',
            'recruiting', 'training', 'admin', 'other',
        ] %}
            coalesce(sum(case when time_entries.category = '{{ category }}' then time_entries.hours end), 0)
                as {{ category }}_hours,
        {%- endfor %}
        sum(time_entries.hours) as total_hours
    from time_entries
    inner join sales_employees
        on time_entries.employee_id = sales_employees.employee_id
    group by
        time_entries.employee_id,
        time_entries.work_date,
        sales_employees.user_id,
        sales_employees.team,
        sales_employees.source_relation

)

select * from final
