{#
    Latest version per key (docs/architecture.md): one row per `key_columns`, the greatest
    `version_columns` (e.g. ['updated_at']; [] for append-only event tables), then the greatest
    `_file_id`, then the greatest `_source_line`. row_number() in a subquery rather than `qualify`
    so the same SQL runs on DuckDB, PostgreSQL and Spark.
    `relation` (a CTE name or relation) must carry _file_id and _source_line; the output keeps every
    column of `relation` plus `_version_rank` (always 1), so callers select the columns they want.
#}
{% macro latest_version(relation, key_columns, version_columns=[]) %}
    {{ return(adapter.dispatch('latest_version', 'salesmart')(relation, key_columns, version_columns)) }}
{% endmacro %}

{% macro default__latest_version(relation, key_columns, version_columns=[]) %}
    {%- if key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("latest_version: key_columns is empty for " ~ relation) }}
    {%- endif -%}
    {%- set order_columns = version_columns + ['_file_id', '_source_line'] -%}
    select *
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    {%- for column in order_columns %}
                    {{ column }} desc nulls last{{ ',' if not loop.last }}
                    {%- endfor %}
            ) as _version_rank
        from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
