{#- HR time entries, latest version per entry_id (incremental on the loader's _file_id, see
    docs/architecture.md "Incremental models"). -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='entry_id',
        on_schema_change='fail',
    )
}}

with

time_entries as (
    select * from {{ ref('stg_hr__time_entries') }}
    {%- if is_incremental() %}
        where _file_id > {{ file_id_watermark() }}
    {%- endif %}
),

final as (
    select
        entry_id,
        employee_id,
        work_date,
        category,
        hours,
        requisition_id,
        updated_at,
        source_relation,
        _file_id
    from time_entries
)

select * from final
