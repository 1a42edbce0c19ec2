{#
    Watermark of an incremental model (docs/architecture.md, "Incremental models"): the greatest
    loader `_file_id` already in {{ this }}, 0 when it is empty. Only valid inside is_incremental().
    A watermark below the true one only reprocesses keys (delete+insert is idempotent); it can never
    skip a file, because `_file_id` increases in load order and every build sees all loaded files.
    Plain scalar subquery: runs on DuckDB and PostgreSQL alike.
#}
{% macro file_id_watermark(column='_file_id') %}
    (select coalesce(max({{ column }}), 0) from {{ this }})
{%- endmacro %}
