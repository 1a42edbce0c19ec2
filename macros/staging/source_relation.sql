{#
    Several CRM connections (docs/architecture.md): every raw row carries its connection in
    `_source_relation` ('default' for the single-connection layout and for every other system; null in
    tables synced to PostgreSQL before the column existed, or in unit-test fixtures that omit it).
#}
{% macro salesmart_source_relation() -%}
    cast(coalesce(_source_relation, 'default') as {{ dbt.type_string() }})
{%- endmacro %}

{#
    A CRM id or foreign key to a CRM entity, unique across connections: '<connection>:<id>' for a named
    connection, the raw id untouched for 'default' (so a single CRM keeps its ids). Null stays null.
#}
{% macro salesmart_connection_key(column) -%}
    case
            when coalesce(_source_relation, 'default') = 'default'
                then cast({{ column }} as {{ dbt.type_string() }})
            else _source_relation || ':' || cast({{ column }} as {{ dbt.type_string() }})
        end
{%- endmacro %}
