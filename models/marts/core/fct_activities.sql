-- CRM activities (calls, meetings, proposals, demos, tasks), deleted ones excluded, with the
-- attribution flag of calls (credited with a meeting, see int_meetings_attributed).
with

activities as (
    select * from {{ ref('int_activities_deduped') }}
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

final as (
    select
        activities.activity_id,
        activities.activity_type,
        activities.owner_user_id,
        activities.lead_id,
        activities.contact_id,
        activities.account_id,
        activities.opportunity_id,
        activities.source_relation,
        activities.activity_at,
        activities.created_at,
        activities.duration_seconds,
        activities.call_outcome,
        activities.meeting_status,
        activities.activity_type = 'call'
        and activities.call_outcome = 'connected' as is_conversation,
        credited_calls.activity_id is not null as is_credited_with_meeting
    from activities
    left join credited_calls
        on activities.activity_id = credited_calls.activity_id
)

select * from final
