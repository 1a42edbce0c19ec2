{#-
    Incremental staging of a large event table (docs/architecture.md "Incremental models"): a condition on the
    raw rows that, on an incremental run, keeps only the rows of files newer than the model's watermark. The
    latest version of a key found there is the latest of the key's whole history, as these tables have no
    version column (email events and messages: the greatest `_file_id` wins, and these files are the newest);
    delete+insert then replaces those keys. The condition is a plain comparison on `_file_id`, so DuckDB skips
    the row groups of older files instead of reading the whole history. On a full build, and in a unit test
    (is_incremental() needs a built relation), it is `true`.
-#}
{% macro rows_in_new_files() %}
    {%- if staging_is_incremental() -%}
        _file_id > {{ file_id_watermark() }}
    {%- else %}
        true
    {%- endif -%}
{%- endmacro %}

{#- is_incremental() outside unit tests (a unit test has no built relation to add to) -#}
{% macro staging_is_incremental() %}
    {{- return(not salesmart_in_unit_test() and is_incremental()) -}}
{%- endmacro %}
