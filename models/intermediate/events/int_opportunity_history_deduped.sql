{#- Opportunity stage history, one row per history_id (incremental on the loader's _file_id, see
    docs/architecture.md "Incremental models"). -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='history_id',
        on_schema_change='fail',
    )
}}

with

opportunity_history as (
    select * from {{ ref('stg_crm__opportunity_history') }}
    {%- if is_incremental() %}
        where _file_id > {{ file_id_watermark() }}
    {%- endif %}
),

final as (
    select
        history_id,
        opportunity_id,
        stage_name,
        amount,
        close_date,
        changed_at,
        changed_by_user_id,
        source_relation,
        _file_id
    from opportunity_history
)

select * from final
