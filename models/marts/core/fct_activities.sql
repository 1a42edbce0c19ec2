-- noqa: disable=LT02
-- (LT02: sqlfluff lays out only the rendered branch of the is_incremental() blocks; both are indented as written)
{#- CRM activities (calls, meetings, proposals, demos, tasks), deleted ones excluded, with the
    attribution flag of calls (credited with a meeting, see int_meetings_attributed).
    Incremental (delete+insert by activity_id, docs/architecture.md "Incremental models"): a run rewrites
    the activities from files newer than the watermark and the calls whose credit flag changed; the
    post-hook removes deleted activities. -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='salesmart_delete_insert',
        unique_key='activity_id',
        on_schema_change='fail',
        post_hook="{% if is_incremental() %}delete from {{ this }} where activity_id not in ("
            ~ "select activity_id from {{ ref('stg_crm__activities') }} where not is_deleted){% endif %}",
    )
}}

with

activities as (
    select * from {{ ref('stg_crm__activities') }}
    where not is_deleted
),

meetings_attributed as (
    select * from {{ ref('int_meetings_attributed') }}
),

credited_calls as (
    select distinct credited_call_activity_id as activity_id
    from meetings_attributed
    where credited_call_activity_id is not null
),

{% if is_incremental() -%}
credit_changed as (
    {{ credit_flag_changes('activity_id', 'credited_calls') }}
),

scoped_activities as (
    select activities.*
    from activities
    where
        activities._file_id > {{ file_id_watermark() }}
        or activities.activity_id in (select credit_changed.activity_id from credit_changed)
),
{%- else -%}
scoped_activities as (
    select * from activities
),
{%- endif %}

final as (
    select
        scoped_activities.activity_id,
        scoped_activities.activity_type,
        scoped_activities.owner_user_id,
        scoped_activities.lead_id,
        scoped_activities.contact_id,
        scoped_activities.account_id,
        scoped_activities.opportunity_id,
        scoped_activities.source_relation,
        scoped_activities.activity_at,
        scoped_activities.created_at,
        scoped_activities.duration_seconds,
        scoped_activities.call_outcome,
        scoped_activities.meeting_status,
        scoped_activities.activity_type = 'call'
        and scoped_activities.call_outcome = 'connected' as is_conversation,
        credited_calls.activity_id is not null as is_credited_with_meeting,
        scoped_activities._file_id
    from scoped_activities
    left join credited_calls
        on scoped_activities.activity_id = credited_calls.activity_id
)

select * from final
