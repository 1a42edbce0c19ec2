{#- Materialization of the delete+insert incremental models (docs/architecture.md "Incremental models").
    Spark's Parquet tables cannot delete rows (delete+insert and the is_deleted post-hook need Delta or
    Iceberg), so on Spark these models rebuild as tables each run: the same rows, no watermark. -#}
{% macro incremental_materialized() %}
    {{- return(adapter.dispatch('incremental_materialized', 'salesmart')()) -}}
{% endmacro %}

{% macro default__incremental_materialized() %}
    {{- return('incremental') -}}
{% endmacro %}

{% macro spark__incremental_materialized() %}
    {{- return('table') -}}
{% endmacro %}
