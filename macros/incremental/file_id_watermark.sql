{#
    Watermark of an incremental model (docs/architecture.md, "Incremental models"): the greatest
    loader `_file_id` already in {{ this }}, 0 when it is empty. Only valid inside is_incremental().
    A watermark below the true one only reprocesses keys (delete+insert is idempotent); it can never
    skip a file, because `_file_id` increases in load order and every build sees all loaded files.
    Plain scalar subquery: runs on DuckDB and PostgreSQL alike.
    A table built before the model became incremental lacks the column: fail with the fix, not a
    database error.
#}
{% macro file_id_watermark(column='_file_id') %}
    {%- if execute -%}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if column | lower not in existing -%}
            {{ exceptions.raise_compiler_error(
                this ~ " has no column " ~ column ~ " (built before it became incremental): rebuild it once with"
                ~ " `salesmart build --full-refresh`."
            ) }}
        {%- endif -%}
    {%- endif -%}
    (select coalesce(max({{ column }}), 0) from {{ this }})
{%- endmacro %}
