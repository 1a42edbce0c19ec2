-- One row per email message with its delivery and engagement flags. Event ids arrive more than
-- once (the tool re-sends them), so flags use exists-style aggregates: a duplicate counts once.
with

messages as (
    select * from {{ ref('stg_email__messages') }}
),

events as (
    select * from {{ ref('stg_email__events') }}
),

event_flags as (
    select
        message_id,
        max(case when event_type = 'bounce' then 1 else 0 end) = 1 as has_bounce_event,
        max(case when event_type = 'open' then 1 else 0 end) = 1 as has_open_event,
        max(case when event_type = 'click' then 1 else 0 end) = 1 as has_click_event,
        max(case when event_type = 'reply' then 1 else 0 end) = 1 as has_reply_event,
        max(case when event_type = 'unsubscribe' then 1 else 0 end) = 1 as has_unsubscribe_event
    from events
    group by message_id
),

final as (
    select
        messages.message_id,
        messages.sender_user_id,
        messages.campaign_id,
        messages.lead_id,
        messages.contact_id,
        messages.sequence_step,
        messages.sent_at,
        messages.sender_user_id is not null as is_sales_email,
        -- delivered = sent and no bounce event (a delivered event is not required)
        not coalesce(event_flags.has_bounce_event, false) as is_delivered,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_open_event, false) as is_opened,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_click_event, false) as is_clicked,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_reply_event, false) as is_replied,
        coalesce(event_flags.has_unsubscribe_event, false) as is_unsubscribed
    from messages
    left join event_flags
        on messages.message_id = event_flags.message_id
)

select * from final
