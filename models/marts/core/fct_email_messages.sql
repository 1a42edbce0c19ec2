-- Email messages (one per recipient) with delivery and engagement flags; no recipient address.
-- is_sales_email marks messages with a sender (the sales-email convention).
with

messages as (
    select * from {{ ref('int_email_messages_flagged') }}
),

meetings_attributed as (
    select * from {{ ref('int_meetings_attributed') }}
),

credited_emails as (
    select distinct credited_email_message_id as message_id
    from meetings_attributed
    where credited_email_message_id is not null
),

final as (
    select
        messages.message_id,
        messages.sender_user_id,
        messages.campaign_id,
        messages.lead_id,
        messages.contact_id,
        messages.sequence_step,
        messages.source_relation,
        messages.sent_at,
        messages.is_sales_email,
        messages.is_delivered,
        messages.is_opened,
        messages.is_clicked,
        messages.is_replied,
        messages.is_unsubscribed,
        credited_emails.message_id is not null as is_credited_with_meeting
    from messages
    left join credited_emails
        on messages.message_id = credited_emails.message_id
)

select * from final
