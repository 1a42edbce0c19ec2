{#- Sales activity family (metrics.yml): one row per (period_grain, period_start, dimension_name,
    dimension_value). A metric column is filled only on the total row and its own dims; elsewhere null. -#}
{%- set catalog = metric_catalog() -%}
{%- set counts = ['calls_made', 'conversations', 'emails_sent', 'social_engagements',
    'meetings_scheduled', 'meetings_held', 'proposals_sent'] -%}
{%- set ratios = {
    'call_connect_rate': ('conversations', 'calls_made'),
    'call_conversion_rate': ('calls_credited', 'calls_made'),
    'email_open_rate': ('emails_opened', 'emails_delivered'),
    'email_reply_rate': ('emails_replied', 'emails_delivered'),
    'email_conversion_rate': ('emails_credited', 'emails_sent'),
} -%}
{#- Counts are 0 (not null) on the total row and the slices of the metric's own dims. -#}
{%- set in_dims = {} -%}
{%- for metric_id in counts + (ratios | list) -%}
    {%- do in_dims.update({metric_id: "dimension_name in ('total', '" ~ (catalog[metric_id]['dims'] | join("', '")) ~ "')"}) -%}
{%- endfor -%}
{%- set activity_measures = {} -%}
{%- for name in ['calls_made', 'conversations', 'calls_credited', 'meetings_scheduled', 'meetings_held',
    'proposals_sent', 'emails_sent', 'emails_delivered', 'emails_opened', 'emails_replied', 'emails_credited'] -%}
    {%- do activity_measures.update({name: 'sum(' ~ name ~ ')'}) -%}
{%- endfor -%}

with

activities as (
    select * from {{ ref('fct_activities') }}
),

email_messages as (
    select * from {{ ref('fct_email_messages') }}
    where is_sales_email
),

social_engagements as (
    select * from {{ ref('stg_marketing__social_engagements') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

-- one row per (event, reporting date): a meeting counts when booked and, if held, when it takes place
activity_events as (
    select
        {{ reporting_date('activity_at') }} as reporting_date,
        owner_user_id as rep,
        1 as calls_made,
        case when is_conversation then 1 else 0 end as conversations,
        case when is_credited_with_meeting then 1 else 0 end as calls_credited,
        0 as meetings_scheduled,
        0 as meetings_held,
        0 as proposals_sent,
        0 as emails_sent,
        0 as emails_delivered,
        0 as emails_opened,
        0 as emails_replied,
        0 as emails_credited
    from activities
    where activity_type = 'call'

    union all

    select
        {{ reporting_date('created_at') }} as reporting_date,
        owner_user_id as rep,
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
    from activities
    where activity_type = 'meeting'

    union all

    select
        {{ reporting_date('activity_at') }} as reporting_date,
        owner_user_id as rep,
        0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
    from activities
    where activity_type = 'meeting'
        and meeting_status = 'held'

    union all

    select
        {{ reporting_date('activity_at') }} as reporting_date,
        owner_user_id as rep,
        0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0
    from activities
    where activity_type = 'proposal'

    union all

    select
        {{ reporting_date('sent_at') }} as reporting_date,
        sender_user_id as rep,
        0, 0, 0, 0, 0, 0,
        1,
        case when is_delivered then 1 else 0 end,
        case when is_opened then 1 else 0 end,
        case when is_replied then 1 else 0 end,
        case when is_credited_with_meeting then 1 else 0 end
    from email_messages
),

activity_events_by_rep as (
    select
        activity_events.*,
        users.team
    from activity_events
    left join users
        on activity_events.rep = users.user_id
),

social_events as (
    select
        {{ reporting_date('occurred_at') }} as reporting_date,
        user_id as rep,
        engagement_type,
        network
    from social_engagements
),

activity_rollup as (
    {{ kpi_rollup('activity_events_by_rep', 'reporting_date', ['rep', 'team'], activity_measures) }}
),

social_rollup as (
    {{ kpi_rollup('social_events', 'reporting_date', ['rep', 'engagement_type', 'network'],
        {'social_engagements': 'count(*)'}) }}
),

slice_keys as (
    {{ kpi_slice_keys(['activity_rollup', 'social_rollup']) }}
),

measures as (
    select
        slice_keys.period_grain,
        slice_keys.period_start,
        slice_keys.dimension_name,
        slice_keys.dimension_value,
        {%- for name in activity_measures %}
        activity_rollup.{{ name }},
        {%- endfor %}
        social_rollup.social_engagements
    from slice_keys
    left join activity_rollup
        on slice_keys.period_grain = activity_rollup.period_grain
        and slice_keys.period_start = activity_rollup.period_start
        and slice_keys.dimension_name = activity_rollup.dimension_name
        and slice_keys.dimension_value = activity_rollup.dimension_value
    left join social_rollup
        on slice_keys.period_grain = social_rollup.period_grain
        and slice_keys.period_start = social_rollup.period_start
        and slice_keys.dimension_name = social_rollup.dimension_name
        and slice_keys.dimension_value = social_rollup.dimension_value
),

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {%- for metric_id in counts %}
        case when {{ in_dims[metric_id] }} then cast(coalesce({{ metric_id }}, 0) as bigint) end as {{ metric_id }},
        {%- endfor %}
        {%- for metric_id, parts in ratios.items() %}
        case when {{ in_dims[metric_id] }}
            then {{ kpi_ratio('coalesce(' ~ parts[0] ~ ', 0)', 'coalesce(' ~ parts[1] ~ ', 0)') }}
        end as {{ metric_id }},
        case when {{ in_dims[metric_id] }} then coalesce({{ parts[0] }}, 0) end as {{ metric_id }}_numerator,
        case when {{ in_dims[metric_id] }} then coalesce({{ parts[1] }}, 0) end as {{ metric_id }}_denominator{{ ',' if not loop.last }}
        {%- endfor %}
    from measures
)

select * from final
