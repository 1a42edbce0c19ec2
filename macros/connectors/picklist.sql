{#
    A connector picklist label as the contract's value: the label in `mapping` (a dict label -> value, e.g.
    from a var) wins, else the label in snake_case ('New Business' -> 'new_business', 'Proposal/Price Quote'
    -> 'proposal_price_quote'). Null stays null. Values the contract does not accept are reported by the
    test connector_value_mapped, which names them.
#}
{% macro connector_picklist(column, mapping={}) -%}
    {%- if mapping -%}
    case
        {%- for label, value in mapping.items() %}
            when cast({{ column }} as {{ dbt.type_string() }}) = '{{ label | replace("'", "''") }}' then '{{ value }}'
        {%- endfor %}
            else {{ salesmart_snake_case(column) }}
        end
    {%- else -%}
        {{ salesmart_snake_case(column) }}
    {%- endif -%}
{%- endmacro %}


{% macro salesmart_snake_case(column) %}
    {{ return(adapter.dispatch('salesmart_snake_case', 'salesmart')(column)) }}
{% endmacro %}

{% macro default__salesmart_snake_case(column) -%}
    trim(both '_' from lower(regexp_replace(trim(cast({{ column }} as {{ dbt.type_string() }})), '[^A-Za-z0-9]+', '_', 'g')))
{%- endmacro %}

{#- Spark's regexp_replace replaces every match without a flag. -#}
{% macro spark__salesmart_snake_case(column) -%}
    trim(both '_' from lower(regexp_replace(trim(cast({{ column }} as string)), '[^A-Za-z0-9]+', '_')))
{%- endmacro %}
