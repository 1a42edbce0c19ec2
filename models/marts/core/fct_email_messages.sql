-- noqa: disable=LT02
-- (LT02: sqlfluff lays out only the rendered branch of the is_incremental() blocks; both are indented as written)
{#- Email messages (one per recipient) with delivery and engagement flags; no recipient address.
    is_sales_email marks messages with a sender (the sales-email convention).
    Incremental (delete+insert by message_id, docs/architecture.md "Incremental models"): a run rewrites
    the messages whose own row or events came in files newer than the watermarks, and the messages whose
    meeting credit changed. -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='salesmart_delete_insert',
        unique_key='message_id',
        on_schema_change='fail',
    )
}}

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

{% if is_incremental() -%}
credit_changed as (
    {{ credit_flag_changes('message_id', 'credited_emails') }}
),

scoped_messages as (
    select messages.*
    from messages
    where
        messages._file_id > {{ file_id_watermark('_file_id') }}
        or messages.events_file_id > {{ file_id_watermark('events_file_id') }}
        or messages.message_id in (select credit_changed.message_id from credit_changed)
),
{%- else -%}
scoped_messages as (
    select * from messages
),
{%- endif %}

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
        scoped_messages.is_sales_email,
        scoped_messages.is_delivered,
        scoped_messages.is_opened,
        scoped_messages.is_clicked,
        scoped_messages.is_replied,
        scoped_messages.is_unsubscribed,
        credited_emails.message_id is not null as is_credited_with_meeting,
        scoped_messages._file_id,
        scoped_messages.events_file_id
    from scoped_messages
    left join credited_emails
        on scoped_messages.message_id = credited_emails.message_id
)

select * from final
