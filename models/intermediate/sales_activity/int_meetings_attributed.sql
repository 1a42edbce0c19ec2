-- The attribution convention: each meeting (by created_at, when booked) is credited to the latest
-- call and, separately, to the latest sales email to the same lead or contact within
-- var attribution_window_days before it (window inclusive at both ends).
with

activities as (
    select * from {{ ref('int_activities_deduped') }}
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
        meetings.meeting_activity_id,
        touches.touch_type,
        touches.touch_id,
        touches.touch_at
    from meetings
    inner join touches
        on meetings.lead_id = touches.lead_id
    where touches.touch_at between meetings.window_start_at and meetings.meeting_created_at

    union all

    select
        meetings.meeting_activity_id,
        touches.touch_type,
        touches.touch_id,
        touches.touch_at
    from meetings
    inner join touches
        on meetings.contact_id = touches.contact_id
    where touches.touch_at between meetings.window_start_at and meetings.meeting_created_at
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
        meetings.meeting_activity_id,
        meetings.owner_user_id,
        meetings.lead_id,
        meetings.contact_id,
        meetings.source_relation,
        meetings.meeting_created_at,
        max(case when candidates.touch_type = 'call' then candidates.touch_id end)
            as credited_call_activity_id,
        max(case when candidates.touch_type = 'email' then candidates.touch_id end)
            as credited_email_message_id
    from meetings
    left join candidates
        on
            meetings.meeting_activity_id = candidates.meeting_activity_id
            and candidates.recency_rank = 1
    group by
        meetings.meeting_activity_id,
        meetings.owner_user_id,
        meetings.lead_id,
        meetings.contact_id,
        meetings.source_relation,
        meetings.meeting_created_at
)

select * from final
