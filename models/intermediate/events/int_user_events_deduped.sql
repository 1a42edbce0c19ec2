{#- CRM usage events, one row per event_id (incremental on the loader's _file_id, see
    docs/architecture.md "Incremental models"). -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

with

user_events as (
    select * from {{ ref('stg_crm__user_events') }}
    {%- if is_incremental() %}
        where _file_id > {{ file_id_watermark() }}
    {%- endif %}
),

final as (
    select
        event_id,
        user_id,
        event_type,
        event_at,
        source_relation,
        _file_id
    from user_events
)

select * from final
