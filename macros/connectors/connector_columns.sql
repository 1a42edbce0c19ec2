{#
    The relations connector table `table_name` of dbt source `crm_source` is read from: the declared source,
    or, with var <crm_source>_union_schemas (several connections synced to several schemas, as Fivetran's
    union_schemas), the same table in each of those schemas.
#}
{% macro connector_relations(crm_source, table_name) %}
    {%- set declared = source(crm_source, table_name) -%}
    {%- set schemas = var(crm_source ~ '_union_schemas', []) -%}
    {%- if not schemas -%}
        {{ return([declared]) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for schema in schemas -%}
        {%- do relations.append(declared.incorporate(path={'schema': schema})) -%}
    {%- endfor -%}
    {{ return(relations) }}
{% endmacro %}


{#
    The columns (lowercase names) of connector table `table_name` of dbt source `crm_source` (salesforce,
    hubspot), after checking that the table and every column of `required` exist. A missing one stops the
    build with one line naming the source, the table, the column and the var that switches the table off
    (`enabled_var`; none for a table the adapter cannot do without); `one_of`: columns of which at least one
    must exist (e.g. the version columns). Optional columns (custom fields named
    by vars, fields an org may lack) are read through connector_column(), which gives null when absent,
    as Fivetran's fill_staging_columns does. Parsing (execute false) returns [] without looking.
#}
{% macro connector_columns(crm_source, table_name, required=[], enabled_var=none, one_of=[]) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set remedy = "set var " ~ enabled_var ~ ": false if your " ~ crm_source ~ " org has no " ~ table_name
        if enabled_var else "the " ~ crm_source ~ " adapter cannot run without it (no var switches it off)" -%}
    {%- set present = [] -%}
    {%- for declared in connector_relations(crm_source, table_name) -%}
        {%- set relation = adapter.get_relation(
            database=declared.database, schema=declared.schema, identifier=declared.identifier) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error(
                "crm_source " ~ crm_source ~ ": table " ~ declared.schema ~ "." ~ declared.identifier
                ~ " is missing (files: <landing>/" ~ crm_source ~ "/" ~ table_name ~ "/; warehouse: var "
                ~ crm_source ~ ("_union_schemas" if var(crm_source ~ '_union_schemas', []) else "_schema")
                ~ "); " ~ remedy) }}
        {%- endif -%}
        {%- set in_relation = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do in_relation.append(column.name | lower) -%}
        {%- endfor -%}
        {%- for column in required if column | lower not in in_relation -%}
            {{ exceptions.raise_compiler_error(
                "crm_source " ~ crm_source ~ ": table " ~ declared.schema ~ "." ~ declared.identifier
                ~ " has no column " ~ column ~ ", which the mapping to the contract needs; " ~ remedy) }}
        {%- endfor -%}
        {%- if one_of and not (one_of | select('in', in_relation) | list) -%}
            {{ exceptions.raise_compiler_error(
                "crm_source " ~ crm_source ~ ": table " ~ declared.schema ~ "." ~ declared.identifier
                ~ " has none of the columns " ~ one_of | join(", ")
                ~ ", one of which the mapping to the contract needs; " ~ remedy) }}
        {%- endif -%}
        {%- for column in in_relation if column not in present -%}
            {%- do present.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if var(crm_source ~ '_union_schemas', []) and '_source_relation' not in present -%}
        {%- do present.append('_source_relation') -%}
    {%- endif -%}
    {{ return(present) }}
{% endmacro %}


{#
    What a model selects from for connector table `table_name`, aliased `alias` (default connector_<table>):
    the source, or with var <crm_source>_union_schemas the union of the table in each schema, a column one
    schema lacks read as null and _source_relation the schema's name (the connection's name in the contract).
#}
{% macro connector_relation(crm_source, table_name, alias=none) -%}
    {%- set alias = alias or 'connector_' ~ table_name -%}
    {%- set relations = connector_relations(crm_source, table_name) -%}
    {%- if not execute or not var(crm_source ~ '_union_schemas', []) -%}
        {{ relations[0] }} as {{ alias }}
    {%- else -%}
        {%- set typed = {} -%}
        {%- set by_relation = [] -%}
        {%- for relation in relations -%}
            {%- set names = [] -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do names.append(column.name | lower) -%}
                {%- if column.name | lower not in typed -%}
                    {%- do typed.update({column.name | lower: column.data_type}) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do by_relation.append(names) -%}
        {%- endfor -%}
        (
        {%- for relation in relations %}
            {%- set names = by_relation[loop.index0] %}
            select
            {%- for column, data_type in typed.items() %}
                {{ adapter.quote(column) if column in names else 'cast(null as ' ~ data_type ~ ')' }}
                as {{ adapter.quote(column) }}{{ ',' if not loop.last or '_source_relation' not in typed }}
            {%- endfor %}
            {%- if '_source_relation' not in typed %}
                cast('{{ relation.schema }}' as {{ dbt.type_string() }}) as _source_relation
            {%- endif %}
            from {{ relation }}
            {{- '\n            union all' if not loop.last }}
        {%- endfor %}
        ) as {{ alias }}
    {%- endif -%}
{%- endmacro %}


{#- `column` when the connector table has it (`present` from connector_columns), else a typed null. -#}
{% macro connector_column(column, present, type='string', alias='') -%}
    {%- set sql_type = dbt.type_string() if type == 'string' else type -%}
    {%- if column and column | lower in present -%}
        cast({{ alias ~ '.' if alias }}{{ column }} as {{ sql_type }})
    {%- else -%}
        cast(null as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}


{#
    The lineage columns the CRM staging models read (_file_id, _source_line, _loaded_at, _source_relation).
    Files landed by `salesmart load` carry them. A connector schema read in the warehouse (var
    <crm_source>_schema) has none: _loaded_at is _fivetran_synced, and _file_id its epoch second, so each
    sync is a newer "file" and the incremental models' _file_id watermark picks up every re-synced row
    (a constant _file_id would make a daily build skip them); _source_relation is the schema of a union
    (connector_relation), else 'default'.
#}
{% macro connector_lineage(present, alias='') -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- if '_file_id' in present or not execute -%}
        {{ prefix }}_file_id,
        {{ prefix }}_source_line,
        {{ prefix }}_loaded_at,
        {{ prefix }}_source_relation
    {%- else -%}
        {{ salesmart_epoch_seconds(prefix ~ '_fivetran_synced') }} as _file_id,
        cast(0 as bigint) as _source_line,
        cast({{ prefix }}_fivetran_synced as timestamp) as _loaded_at,
        {{ prefix ~ '_source_relation' if '_source_relation' in present
            else "cast('default' as " ~ dbt.type_string() ~ ")" }} as _source_relation
    {%- endif -%}
{%- endmacro %}


{#- Whole seconds since 1970-01-01 of a timestamp, as bigint. -#}
{% macro salesmart_epoch_seconds(column) %}
    {{ return(adapter.dispatch('salesmart_epoch_seconds', 'salesmart')(column)) }}
{% endmacro %}

{% macro default__salesmart_epoch_seconds(column) -%}
    cast(extract(epoch from cast({{ column }} as timestamp)) as bigint)
{%- endmacro %}

{% macro spark__salesmart_epoch_seconds(column) -%}
    cast(unix_timestamp(cast({{ column }} as timestamp)) as bigint)
{%- endmacro %}


{#
    Deleted in the connector: soft-deleted (is_deleted) or hard-deleted (_fivetran_deleted). Adapters of a
    contract table with is_deleted emit this as is_deleted (staging keeps the latest version, then drops it);
    the others filter on `not (...)`, so a deleted row counts nowhere.
-#}
{% macro connector_is_deleted(present) -%}
    {%- set flags = [] -%}
    {%- for column in ['is_deleted', '_fivetran_deleted'] if column in present -%}
        {%- do flags.append('coalesce(cast(' ~ column ~ ' as boolean), false)') -%}
    {%- endfor -%}
    {{ '(' ~ flags | join(' or ') ~ ')' if flags else 'false' }}
{%- endmacro %}


{#- History-mode tables (_fivetran_active) keep one row per record version; only the active one counts. -#}
{% macro connector_is_current(present) -%}
    {{ 'coalesce(cast(_fivetran_active as boolean), true)' if '_fivetran_active' in present else 'true' }}
{%- endmacro %}


{#
    For a contract table without is_deleted: keeps the rows of records never deleted. A deleted record is left
    out with all its versions (dropping only the deleted version would let staging's latest-version rule bring
    an older one back). `key` is the record id as the outer query names it.
-#}
{% macro connector_not_deleted(present, key='id', relation='source') -%}
    {%- if 'is_deleted' in present or '_fivetran_deleted' in present -%}
        {{ key }} not in (
            select deleted_rows.id
            from {{ relation }} as deleted_rows
            where {{ connector_is_deleted(present) }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
