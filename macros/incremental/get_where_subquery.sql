{#-
    dbt's wrapper of the relation a generic data test reads (config `where`), extended for the daily run
    (docs/architecture.md "What a daily run tests"). When salesmart sets SALESMART_TEST_ROWS_AFTER_FILE_ID
    (the greatest `_file_id` of the last passing build, only while the code is that build's), a test of an
    incremental model with a `_file_id` column reads only the rows from files loaded since. delete+insert
    on the unique key replaced every earlier row of the keys in those files, so the older rows are the
    ones that passed last time.
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [config.get('where', ''), salesmart_rows_from_new_files(relation)] | select | list -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where (' ~ conditions | join(') and (') ~ ')) dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro salesmart_rows_from_new_files(relation) -%}
    {#- Read only when executing: an env_var() read while parsing would tie every YAML file with tests to the
        variable, and each daily run would re-parse them (about 3 s at scale 1). -#}
    {%- if not execute -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set after_file_id = env_var('SALESMART_TEST_ROWS_AFTER_FILE_ID', '') -%}
    {%- if not after_file_id -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and node.alias | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') -%}
            {%- if '_file_id' in columns -%}
                {%- do return('_file_id > ' ~ (after_file_id | int)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return('') -%}
{%- endmacro %}
