-- Each lead's first touch: the earliest call with that lead_id or sales email with that lead_id
-- at or after the lead's created_at, with the touching user and that user's HR employee.
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
    where not is_deleted
),

emails as (
    select * from {{ ref('int_email_messages_flagged') }}
    where is_sales_email
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

touches as (
    select
        'call' as touch_type,
        activity_id as touch_id,
        lead_id,
        owner_user_id as touch_user_id,
        activity_at as touch_at
    from activities
    where
        activity_type = 'call'
        and lead_id is not null

    union all

    select
        'email' as touch_type,
        message_id as touch_id,
        lead_id,
        sender_user_id as touch_user_id,
        sent_at as touch_at
    from emails
    where lead_id is not null
),

ranked as (
    select
        leads.lead_id,
        touches.touch_type,
        touches.touch_id,
        touches.touch_user_id,
        touches.touch_at,
        row_number() over (
            partition by leads.lead_id
            order by touches.touch_at, touches.touch_type, touches.touch_id
        ) as touch_rank
    from leads
    inner join touches
        on
            leads.lead_id = touches.lead_id
            and leads.created_at <= touches.touch_at
),

final as (
    select
        leads.lead_id,
        leads.source_relation,
        leads.created_at,
        leads.owner_user_id,
        leads.source_channel,
        leads.campaign_id,
        ranked.touch_type as first_touch_type,
        ranked.touch_id as first_touch_id,
        ranked.touch_at as first_touch_at,
        ranked.touch_user_id as first_touch_user_id,
        users.employee_id as first_touch_employee_id,
        -- whole seconds, so the KPI sums them exactly (hours are derived in fct_leads); LT05 judges the
        -- rendered line, and dbt.datediff renders long
        cast({{ dbt.datediff('leads.created_at', 'ranked.touch_at', 'second') }} as bigint) as response_seconds  -- noqa: LT05
    from leads
    left join ranked
        on
            leads.lead_id = ranked.lead_id
            and ranked.touch_rank = 1
    left join users
        on ranked.touch_user_id = users.user_id
)

select * from final
