{#- The type of money amounts in reporting currency. DuckDB keeps decimal(38,8) through sum() and
    coalesce(); PostgreSQL's sum(numeric) and coalesce(numeric, 0) drop the scale, so models cast money
    aggregates to this type to get the same values (and the same text in unit-test diffs) everywhere. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'salesmart')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(38, 8)
{%- endmacro %}
