{#- Tables land in the schema named by the layer (staging, intermediate, marts), not <target>_<layer>.
    On PostgreSQL and Spark the build and the published mart share one catalog, so dbt builds marts into
    `marts_build` and `salesmart publish` puts a tested copy in `marts` (what BI reads). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type in ('postgres', 'spark') and custom_schema_name | trim == 'marts' -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
