{#
    Reading the Fivetran HubSpot schema (models/staging/hubspot/, docs/sources.md).

    hubspot_table_enabled(table): var hubspot_<table>_enabled (default true), for the tables a portal may lack
    (Fivetran's convention); the adapter then fills what the table would give with nulls.

    hubspot_source(table, contract_table): source('hubspot', table), after checking at run time that the
    relation exists: a missing table is one compile error naming the source, the relation, the contract table
    it feeds and the var to set (hubspot_schema, or hubspot_<table>_enabled for a switchable table).

    hubspot_columns(table, contract_table, required, optional): checks the relation's columns (one error per
    missing required column: source, relation, column, contract table, var) and returns a dict column ->
    SQL expression: the column itself, or `null` for an optional column the relation lacks (Fivetran's
    fill_staging_columns), so a portal without an optional property still compiles.
    Both checks are skipped in unit tests (fixtures stand in for the relation) and at parse time.
#}

{% macro hubspot_table_enabled(table_name) -%}
    {%- set value = var('hubspot_' ~ table_name ~ '_enabled', true) -%}
    {%- if value is string -%}
        {{ return(value | trim | lower not in ['false', '0', 'no', 'off']) }}
    {%- endif -%}
    {{ return(value is not none and value != false) }}
{%- endmacro %}


{% macro _hubspot_switch_hint(table_name, switchable) -%}
    {%- if switchable -%}
        {{ return("set var hubspot_schema to the schema holding it, or var hubspot_" ~ table_name
            ~ "_enabled: false if the portal has no " ~ table_name) }}
    {%- endif -%}
    {{ return("set var hubspot_schema to the schema holding it (the adapter cannot do without it; var crm_source:"
        ~ " salesmart reads the landing contract instead)") }}
{%- endmacro %}


{% macro hubspot_source(table_name, contract_table, switchable=false) %}
    {%- set relation = source('hubspot', table_name) -%}
    {%- if execute and not salesmart_in_unit_test() -%}
        {%- set found = adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
        {%- if found is none -%}
            {{ exceptions.raise_compiler_error(
                "source hubspot." ~ table_name ~ ": relation " ~ relation ~ " does not exist (it feeds crm."
                ~ contract_table ~ "). Load <landing>/hubspot/" ~ table_name ~ "/ or "
                ~ _hubspot_switch_hint(table_name, switchable) ~ ".") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}


{% macro hubspot_columns(table_name, contract_table, required, optional=[], switchable=false) %}
    {%- set relation = source('hubspot', table_name) -%}
    {%- set expressions = {} -%}
    {%- set present = [] -%}
    {%- if execute and not salesmart_in_unit_test() -%}
        {%- set found = adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
        {%- if found is not none -%}
            {%- for column in adapter.get_columns_in_relation(found) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
            {%- for column in required if column | lower not in present -%}
                {{ exceptions.raise_compiler_error(
                    "source hubspot." ~ table_name ~ ": relation " ~ relation ~ " has no column " ~ column
                    ~ ", which the adapter needs for crm." ~ contract_table ~ ". Point var hubspot_schema at a schema"
                    ~ " whose " ~ table_name ~ " has it"
                    ~ (" or set var hubspot_" ~ table_name ~ "_enabled: false" if switchable else "") ~ ".") }}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- for column in required + optional -%}
        {%- if present and column | lower not in present -%}
            {%- do expressions.update({column: 'null'}) -%}
        {%- else -%}
            {%- do expressions.update({column: column}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions) }}
{% endmacro %}


{#- The lineage columns the crm staging models read (_file_id, _source_line, _loaded_at, _source_relation),
    given `cols` from hubspot_columns with hubspot_lineage_columns() among its optional columns. Landed by
    `salesmart load` they are the loader's; a schema the connector fills has none: _file_id is then the epoch
    second of _fivetran_synced (it grows with every sync, so the incremental staging models still see new
    rows), _loaded_at is _fivetran_synced and the connection 'default'. -#}
{% macro hubspot_lineage_columns() -%}
    {{ return(['_file_id', '_source_line', '_loaded_at', '_source_relation', '_fivetran_synced']) }}
{%- endmacro %}


{% macro hubspot_lineage(cols) -%}
    {%- if cols['_file_id'] != 'null' -%}
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast({{ cols['_source_relation'] }} as {{ dbt.type_string() }}) as _source_relation
    {%- else -%}
        cast({{ dbt.datediff("cast('1970-01-01' as timestamp)", 'cast(' ~ cols['_fivetran_synced'] ~ ' as timestamp)', 'second') }} as bigint) as _file_id,
        cast(null as bigint) as _source_line,
        cast({{ cols['_fivetran_synced'] }} as timestamp) as _loaded_at,
        cast('default' as {{ dbt.type_string() }}) as _source_relation
    {%- endif -%}
{%- endmacro %}


{#- Deleted in HubSpot (is_deleted) or in the connector (_fivetran_deleted); a table may have either. -#}
{% macro hubspot_is_deleted(cols) -%}
    (
            coalesce(cast({{ cols.get('is_deleted', 'null') }} as boolean), false)
            or coalesce(cast({{ cols.get('_fivetran_deleted', 'null') }} as boolean), false)
        )
{%- endmacro %}
