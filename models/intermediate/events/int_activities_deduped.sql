{#- CRM activities, latest version per activity_id, deleted ones removed (incremental, see
    docs/architecture.md "Incremental models"). An incremental run takes the activities whose latest
    version came in a file newer than the watermark; that includes new deletes, so their old rows are
    deleted by delete+insert and the post-hook drops the inserted deleted version. -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='activity_id',
        on_schema_change='fail',
        post_hook='{% if is_incremental() %}delete from {{ this }} where is_deleted{% endif %}',
    )
}}

with

activities as (
    select * from {{ ref('stg_crm__activities') }}
    {%- if is_incremental() %}
        where _file_id > {{ file_id_watermark() }}
    {%- else %}
        where not is_deleted
    {%- endif %}
),

final as (
    select
        activity_id,
        activity_type,
        owner_user_id,
        lead_id,
        contact_id,
        account_id,
        opportunity_id,
        activity_at,
        duration_seconds,
        call_outcome,
        meeting_status,
        created_at,
        updated_at,
        is_deleted,
        source_relation,
        _file_id
    from activities
)

select * from final
