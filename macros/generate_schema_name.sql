{#- Tables land in the schema named by the layer (staging, intermediate, marts), not <target>_<layer>.
    On PostgreSQL the build and the published mart share one database, so dbt builds marts into
    `marts_build` and `salesmart publish` swaps a tested copy in as `marts` (what bi_reader reads). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'postgres' and custom_schema_name | trim == 'marts' -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
