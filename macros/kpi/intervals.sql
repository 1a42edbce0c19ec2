{#- Whether the inclusive interval [start, end] covers a day, a null end meaning still open: the one rule
    behind "employed on a day" (is_employed_on), "an account is active on a day" (int_accounts_active_intervals,
    churn and net revenue retention) and "a subscription covers a day". -#}
{% macro covers_day(day_expr, start_expr, end_expr) -%}
    {{ day_expr }} >= {{ start_expr }}
    and (
        {{ end_expr }} is null
        or {{ day_expr }} <= {{ end_expr }}
    )
{%- endmacro %}
