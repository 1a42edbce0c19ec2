{#- dbt unit tests compare actual and expected rows as text (daff). PostgreSQL numeric values carry their
    own display scale: a sum of decimal(38,8) prints `350.00000000`, the expected fixture `350`, and
    coalesce(x, 0) prints `0`, so equal numbers fail. On PostgreSQL both sides of every numeric column go
    through trim_scale() (PostgreSQL 13+) before the comparison; the SQL under test is unchanged. -#}
{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {%- set numeric_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_column_schema_from_query(main_sql) -%}
            {%- if column.is_numeric() -%}
                {%- do numeric_columns.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set select_list = [] -%}
    {%- for name in expected_column_names -%}
        {%- do select_list.append('trim_scale(' ~ name ~ ') as ' ~ name if name in numeric_columns else name) -%}
    {%- endfor -%}
    {%- set actual_sql = 'select ' ~ select_list | join(', ') ~ ' from (\n' ~ main_sql ~ '\n) as _unit_actual' -%}
    {%- set expected_sql = 'select ' ~ select_list | join(', ') ~ ' from (\n' ~ expected_fixture_sql ~ '\n) as _unit_expected' -%}
    {{ dbt.default__get_unit_test_sql(actual_sql, expected_sql, expected_column_names) }}
{%- endmacro %}
