{#-
    The marts write ledger (docs/architecture.md "Publish"): every write to schema marts on DuckDB is recorded
    in meta.marts_writes, in the same transaction as the write, so `salesmart publish` updates only what
    changed since the last publish in a copy of the published file:
    - a table, view or seed built whole: kind 'full' (post-hook salesmart_record_marts_write, dbt_project.yml);
    - an incremental run of a model with incremental_strategy='salesmart_delete_insert' and one unique_key
      column: kind 'delta', and the keys it replaced in meta.marts_write_keys. Its post-hooks may delete
      rows too (they only delete): publish then sees the row counts differ and copies the table whole.
    Off DuckDB (PostgreSQL, Spark publish otherwise), in schemas other than marts, and in a warehouse without
    the ledger tables (dbt run by hand on a database salesmart did not create) nothing is recorded.
-#}
{% macro salesmart_marts_ledger_enabled(relation) -%}
    {%- if not execute or target.type != 'duckdb' or (relation.schema | lower) != 'marts' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set ledger = adapter.get_relation(database=relation.database, schema='meta', identifier='marts_writes') -%}
    {{ return(ledger is not none) }}
{%- endmacro %}

{% macro salesmart_record_marts_write() -%}
    {%- if salesmart_marts_ledger_enabled(this) -%}
        {#- an incremental run of a tracked model recorded its keys in its strategy (below) -#}
        {%- set tracked = is_incremental()
            and config.get('incremental_strategy') == 'salesmart_delete_insert'
            and config.get('unique_key') is string -%}
        {%- if not tracked -%}
            insert into meta.marts_writes (table_name, kind, key_column, written_at)
            values ('{{ this.identifier }}', 'full', null, current_timestamp)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- delete+insert (dbt's), plus the ledger entry and the replaced keys on DuckDB's marts. -#}
{% macro get_incremental_salesmart_delete_insert_sql(arg_dict) -%}
    {%- set target_relation, unique_key = arg_dict['target_relation'], arg_dict['unique_key'] -%}
    {{ get_incremental_delete_insert_sql(arg_dict) }}
    {%- if unique_key is string and salesmart_marts_ledger_enabled(target_relation) %};
    insert into meta.marts_writes (table_name, kind, key_column, written_at)
    values ('{{ target_relation.identifier }}', 'delta', '{{ unique_key }}', current_timestamp);
    insert into meta.marts_write_keys (table_name, key_value)
    select distinct '{{ target_relation.identifier }}', cast({{ unique_key }} as {{ dbt.type_string() }})
    from {{ arg_dict['temp_relation'] }}
    {%- endif %}
{%- endmacro %}
