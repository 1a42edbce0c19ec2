{#- dbt unit tests compare actual and expected rows as text (daff). On PostgreSQL dbt casts expected values
    to the model column's bare type `numeric` (no scale), so an expected 350 prints `350` while the
    model's sum of decimal(38,8) money prints `350.00000000` and the test fails on equal numbers.
    Our money columns are decimal(38,8) (raw decimal(18,4) converted at the fx rate), so a bare numeric
    gets that scale; every other type is the plain cast of dbt's default__safe_cast. -#}
{% macro postgres__safe_cast(field, type) -%}
    {%- if type | trim | lower == 'numeric' -%}
        cast({{ field }} as numeric(38, 8))
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
