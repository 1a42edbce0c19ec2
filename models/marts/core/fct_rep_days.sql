{#- Rep-days (metrics.yml sales_productivity): one row per sales employee (HR department sales) x work_date
    with any time entry, hours per time-entry category. The denominator of the hours-per-rep-day metrics
    (kpi_sales_productivity reads this model). -#}

{%- set categories = [
    'selling', 'prospect_research', 'data_entry', 'content_creation', 'recruiting', 'training', 'admin', 'other',
] %}

with

time_entries as (
    select * from {{ ref('int_time_entries_deduped') }}
),

sales_employees as (
    select * from {{ ref('int_sales_employees') }}
),

final as (
    select
        time_entries.employee_id || ':' || cast(time_entries.work_date as {{ dbt.type_string() }}) as rep_day_id,
        time_entries.employee_id,
        sales_employees.user_id,
        sales_employees.team,
        sales_employees.source_relation,
        time_entries.work_date,
        {%- for category in categories %}
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
