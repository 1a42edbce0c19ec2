-- noqa: disable=LT02
-- (LT02: sqlfluff lays out only the rendered branch of the is_incremental() blocks; both are indented as written)
{#- One row per email message with its delivery and engagement flags. Event ids arrive more than
    once (the tool re-sends them), so flags use exists-style aggregates: a duplicate counts once.
    Incremental (docs/architecture.md "Incremental models"): a run recomputes the messages whose own
    row or any of whose events came in a file newer than the watermarks (_file_id of the message,
    events_file_id = greatest _file_id of its events), from the full staging history of those
    messages, so a late event for an old message updates that message's flags. -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='message_id',
        on_schema_change='fail',
    )
}}

with

messages as (
    select * from {{ ref('stg_email__messages') }}
),

events as (
    select * from {{ ref('stg_email__events') }}
),

{% if is_incremental() -%}
changed_messages as (
    select message_id
    from messages
    where _file_id > {{ file_id_watermark('_file_id') }}

    union

    select message_id
    from events
    where _file_id > {{ file_id_watermark('events_file_id') }}
),

scoped_messages as (
    select messages.*
    from messages
    where messages.message_id in (select changed_messages.message_id from changed_messages)
),

scoped_events as (
    select events.*
    from events
    where events.message_id in (select changed_messages.message_id from changed_messages)
),
{%- else -%}
scoped_messages as (
    select * from messages
),

scoped_events as (
    select * from events
),
{%- endif %}

event_flags as (
    select
        message_id,
        max(case when event_type = 'bounce' then 1 else 0 end) = 1 as has_bounce_event,
        max(case when event_type = 'open' then 1 else 0 end) = 1 as has_open_event,
        max(case when event_type = 'click' then 1 else 0 end) = 1 as has_click_event,
        max(case when event_type = 'reply' then 1 else 0 end) = 1 as has_reply_event,
        max(case when event_type = 'unsubscribe' then 1 else 0 end) = 1 as has_unsubscribe_event,
        max(_file_id) as events_file_id
    from scoped_events
    group by message_id
),

final as (
    select
        scoped_messages.message_id,
        scoped_messages.sender_user_id,
        scoped_messages.campaign_id,
        scoped_messages.lead_id,
        scoped_messages.contact_id,
        scoped_messages.sequence_step,
        scoped_messages.source_relation,
        scoped_messages.sent_at,
        scoped_messages.sender_user_id is not null as is_sales_email,
        -- delivered = sent and no bounce event (a delivered event is not required)
        not coalesce(event_flags.has_bounce_event, false) as is_delivered,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_open_event, false) as is_opened,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_click_event, false) as is_clicked,
        not coalesce(event_flags.has_bounce_event, false)
        and coalesce(event_flags.has_reply_event, false) as is_replied,
        coalesce(event_flags.has_unsubscribe_event, false) as is_unsubscribed,
        scoped_messages._file_id,
        event_flags.events_file_id
    from scoped_messages
    left join event_flags
        on scoped_messages.message_id = event_flags.message_id
)

select * from final
