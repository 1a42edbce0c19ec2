{#- Whether an employee is employed on a day (metrics.yml headcount convention): hire_date <= day and
    (termination_date is null or termination_date >= day). The one definition of "employed at an instant":
    fct_sales_headcount_daily counts it per day, kpi_recruiting_training's tenure reads it on a period's last day. -#}
{% macro is_employed_on(day_expr, employee_alias) -%}
    {{ covers_day(day_expr, employee_alias ~ '.hire_date', employee_alias ~ '.termination_date') }}
{%- endmacro %}
