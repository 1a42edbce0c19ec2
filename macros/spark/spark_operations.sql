{#- Spark target operations, run by scripts/salesmart/spark.py through `dbt run-operation` so they use the
    profile's connection (local session, Thrift or Databricks alike). -#}

{#- Register each exported raw/meta Parquet directory as an external table, then create `views`. Drop and create (dropping an
    external table keeps its files) so new contract columns appear; the schema is read from the Parquet. -#}
{% macro spark_register_raw_tables(tables, views=[]) %}
    {%- for schema in tables | map(attribute='schema') | unique -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for entry in tables -%}
        {%- set name = entry['schema'] ~ '.' ~ entry['table'] -%}
        {%- do run_query('drop table if exists ' ~ name) -%}
        {%- do run_query("create table " ~ name ~ " using parquet location '" ~ entry['location'] ~ "'") -%}
    {%- endfor -%}
    {#- the gated_<system> views dbt's sources read (salesmart.load.gated_view_sql gives their SQL) -#}
    {%- for schema in views | map(attribute='schema') | unique -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for view in views -%}
        {%- do run_query(view['sql']) -%}
    {%- endfor -%}
{% endmacro %}

{#- Copy every table of schema `source` into schema `target`, one table at a time (see spark.py). -#}
{% macro spark_publish_marts(source, target) %}
    {%- set names = [] -%}
    {%- for row in run_query('show tables in ' ~ source) if not row['isTemporary'] -%}
        {%- do names.append(row['tableName']) -%}
    {%- endfor -%}
    {%- if names | length == 0 -%}
        {{ exceptions.raise_compiler_error('schema ' ~ source ~ ' has no tables: nothing to publish (run `salesmart build` first)') }}
    {%- endif -%}
    {%- do run_query('create schema if not exists ' ~ target) -%}
    {%- for name in names -%}
        {%- do run_query('drop table if exists ' ~ target ~ '.' ~ name) -%}
        {%- do run_query('create table ' ~ target ~ '.' ~ name ~ ' as select * from ' ~ source ~ '.' ~ name) -%}
    {%- endfor -%}
{% endmacro %}
