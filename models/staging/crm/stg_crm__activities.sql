{#- Incremental, not a view: each build dedups only the activity_ids with rows in new files (macro
    keys_in_new_files), and its tests and the models above it read a table instead of re-ranking the whole
    history each (the largest cost of a build at scale 1). Deleted activities are removed here, not kept
    with is_deleted like other staging tables: an incremental run takes the new deletes too, so their old
    rows go by delete+insert and the post-hook drops the inserted deleted versions (docs/architecture.md
    "Incremental models"). -#}
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

source as (

    select * from {{ crm_input('activities') }}
    where {{ keys_in_new_files(crm_input('activities'), 'activity_id') }}

),

renamed as (

    select
        {{ salesmart_connection_key('activity_id') }} as activity_id,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        {{ salesmart_connection_key('owner_user_id') }} as owner_user_id,
        {{ salesmart_connection_key('lead_id') }} as lead_id,
        {{ salesmart_connection_key('contact_id') }} as contact_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ salesmart_connection_key('opportunity_id') }} as opportunity_id,
        cast(activity_at as timestamp) as activity_at,
        cast(duration_seconds as bigint) as duration_seconds,
        cast(call_outcome as {{ dbt.type_string() }}) as call_outcome,
        cast(meeting_status as {{ dbt.type_string() }}) as meeting_status,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['activity_id'], ['updated_at']) }}

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
        _loaded_at,
        _file_id
    from latest
    -- an incremental run keeps the deleted versions, for delete+insert to replace the old rows (post-hook)
    where {{ 'true' if is_incremental() else 'not is_deleted' }}

)

select * from final
