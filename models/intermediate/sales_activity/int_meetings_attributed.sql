-- noqa: disable=LT02
-- (LT02: sqlfluff lays out only the rendered branch of the is_incremental() blocks; both are indented as written)
{#- The attribution convention: each meeting (by created_at, when booked) is credited to the latest
    call and, separately, to the latest sales email to the same lead or contact within
    var attribution_window_days before it (window inclusive at both ends).

    Incremental (delete+insert by meeting, docs/architecture.md "Incremental models"): a run recomputes
    the meetings that a change since the last run can move: meetings new or changed, meetings whose
    credited touch changed or was deleted, and meetings with a new or changed touch of their lead or
    contact inside their window. The post-hook removes meetings that were deleted or are no longer
    meetings. `_watermark_file_id` is the greatest input `_file_id` when the row was written. -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='meeting_activity_id',
        on_schema_change='fail',
        post_hook="{% if is_incremental() %}delete from {{ this }} where meeting_activity_id not in ("
            ~ "select activity_id from {{ ref('stg_crm__activities') }} where activity_type = 'meeting' and not is_deleted"
            ~ "){% endif %}",
    )
}}

with

activities as (
    select * from {{ ref('stg_crm__activities') }}
    where not is_deleted
),

emails as (
    select * from {{ ref('int_email_messages_flagged') }}
    where is_sales_email
),

meetings as (
    select
        activity_id as meeting_activity_id,
        owner_user_id,
        lead_id,
        contact_id,
        source_relation,
        created_at as meeting_created_at,
        {{ dbt.dateadd('day', -1 * (var('attribution_window_days') | int), 'created_at') }} as window_start_at
    from activities
    where activity_type = 'meeting'
),

current_watermark as (
    select max(_file_id) as watermark_file_id
    from (
        select _file_id from activities
        union all
        select _file_id from emails
    ) as input_file_ids
),

{% if is_incremental() -%}
changed_activities as (
    select *
    from activities
    where _file_id > {{ file_id_watermark('_watermark_file_id') }}
),

changed_emails as (
    select *
    from emails
    where _file_id > {{ file_id_watermark('_watermark_file_id') }}
),

new_touches as (
    select
        lead_id,
        contact_id,
        activity_at as touch_at
    from changed_activities
    where activity_type = 'call'

    union all

    select
        lead_id,
        contact_id,
        sent_at as touch_at
    from changed_emails
),

scoped_meeting_ids as (
    select activity_id as meeting_activity_id
    from changed_activities
    where activity_type = 'meeting'

    union

    -- the credited touch changed (moved, re-typed, edited) or is gone (deleted)
    select previous.meeting_activity_id
    from {{ this }} as previous
    where
        previous.credited_call_activity_id in (select changed_activities.activity_id from changed_activities)
        or previous.credited_call_activity_id not in (select activities.activity_id from activities)
        or previous.credited_email_message_id in (select changed_emails.message_id from changed_emails)

    union

    select meetings.meeting_activity_id
    from meetings
    inner join new_touches
        on meetings.lead_id = new_touches.lead_id
    where new_touches.touch_at between meetings.window_start_at and meetings.meeting_created_at

    union

    select meetings.meeting_activity_id
    from meetings
    inner join new_touches
        on meetings.contact_id = new_touches.contact_id
    where new_touches.touch_at between meetings.window_start_at and meetings.meeting_created_at
),

scoped_meetings as (
    select meetings.*
    from meetings
    where meetings.meeting_activity_id in (select scoped_meeting_ids.meeting_activity_id from scoped_meeting_ids)
),
{%- else -%}
scoped_meetings as (
    select * from meetings
),
{%- endif %}

touches as (
    select
        'call' as touch_type,
        activity_id as touch_id,
        lead_id,
        contact_id,
        activity_at as touch_at
    from activities
    where activity_type = 'call'

    union all

    select
        'email' as touch_type,
        message_id as touch_id,
        lead_id,
        contact_id,
        sent_at as touch_at
    from emails
),

-- two equi-joins instead of one join on (lead or contact), which could not use a hash join
touch_matches as (
    select
        scoped_meetings.meeting_activity_id,
        touches.touch_type,
        touches.touch_id,
        touches.touch_at
    from scoped_meetings
    inner join touches
        on scoped_meetings.lead_id = touches.lead_id
    where touches.touch_at between scoped_meetings.window_start_at and scoped_meetings.meeting_created_at

    union all

    select
        scoped_meetings.meeting_activity_id,
        touches.touch_type,
        touches.touch_id,
        touches.touch_at
    from scoped_meetings
    inner join touches
        on scoped_meetings.contact_id = touches.contact_id
    where touches.touch_at between scoped_meetings.window_start_at and scoped_meetings.meeting_created_at
),

candidates as (
    select
        meeting_activity_id,
        touch_type,
        touch_id,
        row_number() over (
            partition by meeting_activity_id, touch_type
            order by touch_at desc, touch_id desc
        ) as recency_rank
    from touch_matches
),

final as (
    select
        scoped_meetings.meeting_activity_id,
        scoped_meetings.owner_user_id,
        scoped_meetings.lead_id,
        scoped_meetings.contact_id,
        scoped_meetings.source_relation,
        scoped_meetings.meeting_created_at,
        max(case when candidates.touch_type = 'call' then candidates.touch_id end)
            as credited_call_activity_id,
        max(case when candidates.touch_type = 'email' then candidates.touch_id end)
            as credited_email_message_id,
        max(current_watermark.watermark_file_id) as _watermark_file_id
    from scoped_meetings
    left join candidates
        on
            scoped_meetings.meeting_activity_id = candidates.meeting_activity_id
            and candidates.recency_rank = 1
    cross join current_watermark
    group by
        scoped_meetings.meeting_activity_id,
        scoped_meetings.owner_user_id,
        scoped_meetings.lead_id,
        scoped_meetings.contact_id,
        scoped_meetings.source_relation,
        scoped_meetings.meeting_created_at
)

select * from final
