{#-
    Incremental staging of a large event table (docs/architecture.md "Incremental models"): a condition on the
    raw rows that, on an incremental run, keeps only the keys with a row in a file newer than the model's
    watermark, so the dedup that follows ranks the whole history of those keys and nothing else; delete+insert
    then replaces them. stg_crm__activities needs it rather than rows_in_new_files: it drops deleted activities,
    so a late file's older version of a deleted one must meet the delete in the source, not in {{ this }}. On a
    full build, and in a unit test (is_incremental() needs a built relation), it is `true`.
-#}
{% macro keys_in_new_files(source_relation, key_column) %}
    {%- if staging_is_incremental() -%}
        {{ key_column }} in (
            select new_rows.{{ key_column }}
            from {{ source_relation }} as new_rows
            where new_rows._file_id > {{ file_id_watermark() }}
        )
    {%- else %}
        true
    {%- endif -%}
{%- endmacro %}
