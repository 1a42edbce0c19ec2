-- The attribution convention: each meeting (by created_at, when booked) is credited to the latest
-- call and, separately, to the latest sales email to the same lead or contact within
-- var attribution_window_days before it (window inclusive at both ends).
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
        created_at as meeting_created_at
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

candidates as (
    select
        meetings.meeting_activity_id,
        touches.touch_type,
        touches.touch_id,
        row_number() over (
            partition by meetings.meeting_activity_id, touches.touch_type
            order by touches.touch_at desc, touches.touch_id desc
        ) as recency_rank
    from meetings
    inner join touches
        on (
            meetings.lead_id = touches.lead_id
            or meetings.contact_id = touches.contact_id
        )
        and touches.touch_at <= meetings.meeting_created_at
        and touches.touch_at >= {{ dbt.dateadd('day', -1 * (var('attribution_window_days') | int), 'meetings.meeting_created_at') }}
),

final as (
    select
        meetings.meeting_activity_id,
        meetings.owner_user_id,
        meetings.lead_id,
        meetings.contact_id,
        meetings.meeting_created_at,
        max(case when candidates.touch_type = 'call' then candidates.touch_id end)
            as credited_call_activity_id,
        max(case when candidates.touch_type = 'email' then candidates.touch_id end)
            as credited_email_message_id
    from meetings
    left join candidates
        on meetings.meeting_activity_id = candidates.meeting_activity_id
        and candidates.recency_rank = 1
    group by
        meetings.meeting_activity_id,
        meetings.owner_user_id,
        meetings.lead_id,
        meetings.contact_id,
        meetings.meeting_created_at
)

select * from final
