{#- Sales activity family (metrics.yml): one row per (period_grain, period_start, dimension_name,
    dimension_value). A metric column is filled only on the total row and its own dims; elsewhere null. -#}
{%- set counts = ['calls_made', 'conversations', 'emails_sent', 'social_engagements',
    'meetings_scheduled', 'meetings_held', 'proposals_sent'] -%}
{%- set ratios = {
    'call_connect_rate': ('conversations', 'calls_made'),
    'call_conversion_rate': ('calls_credited', 'calls_made'),
    'email_open_rate': ('emails_opened', 'emails_delivered'),
    'email_reply_rate': ('emails_replied', 'emails_delivered'),
    'email_conversion_rate': ('emails_credited', 'emails_sent'),
} -%}
{%- set activity_measures = {} -%}
{%- for name in ['calls_made', 'conversations', 'calls_credited', 'meetings_scheduled', 'meetings_held',
    'proposals_sent', 'emails_sent', 'emails_delivered', 'emails_opened', 'emails_replied', 'emails_credited'] -%}
    {%- do activity_measures.update({name: 'sum(' ~ name ~ ')'}) -%}
{%- endfor -%}

{#- Each branch: the event rows, their reporting date and rep, and the measures they add (others 0). -#}
{%- set activity_branches = [
    {'source': 'activities', 'date': 'activity_at', 'rep': 'owner_user_id', 'where': "activity_type = 'call'",
        'measures': {
            'calls_made': '1',
            'conversations': 'case when is_conversation then 1 else 0 end',
            'calls_credited': 'case when is_credited_with_meeting then 1 else 0 end',
        }},
    {'source': 'activities', 'date': 'created_at', 'rep': 'owner_user_id', 'where': "activity_type = 'meeting'",
        'measures': {'meetings_scheduled': '1'}},
    {'source': 'activities', 'date': 'activity_at', 'rep': 'owner_user_id',
        'where': "activity_type = 'meeting' and meeting_status = 'held'",
        'measures': {'meetings_held': '1'}},
    {'source': 'activities', 'date': 'activity_at', 'rep': 'owner_user_id', 'where': "activity_type = 'proposal'",
        'measures': {'proposals_sent': '1'}},
    {'source': 'email_messages', 'date': 'sent_at', 'rep': 'sender_user_id', 'where': none,
        'measures': {
            'emails_sent': '1',
            'emails_delivered': 'case when is_delivered then 1 else 0 end',
            'emails_opened': 'case when is_opened then 1 else 0 end',
            'emails_replied': 'case when is_replied then 1 else 0 end',
            'emails_credited': 'case when is_credited_with_meeting then 1 else 0 end',
        }},
] -%}

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
    select * from {{ ref('dim_users') }}
),

-- one row per (event, reporting date): a meeting counts when booked and, if held, when it takes place
activity_events as (
    -- noqa: disable=LT02
    {%- for branch in activity_branches %}
    select
        {{ reporting_date(branch['date']) }} as reporting_date,
        {{ branch['rep'] }} as rep,
        {%- for name in activity_measures %}
        {{ branch['measures'].get(name, '0') }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ branch['source'] }}
    {%- if branch['where'] %}
    where {{ branch['where'] }}
    {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
    -- noqa: enable=LT02
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
    {{ kpi_rollup('activity_events_by_rep', 'reporting_date',
        kpi_metric_dimensions(counts | reject('equalto', 'social_engagements') | list + ratios.keys() | list),
        activity_measures) }}
),

social_rollup as (
    {{ kpi_rollup('social_events', 'reporting_date', kpi_metric_dimensions('social_engagements'),
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
        activity_rollup.{{ activity_measures | join(',\n        activity_rollup.') }},
        social_rollup.social_engagements
    from slice_keys
    left join activity_rollup
        on
            slice_keys.period_grain = activity_rollup.period_grain
            and slice_keys.period_start = activity_rollup.period_start
            and slice_keys.dimension_name = activity_rollup.dimension_name
            and slice_keys.dimension_value = activity_rollup.dimension_value
    left join social_rollup
        on
            slice_keys.period_grain = social_rollup.period_grain
            and slice_keys.period_start = social_rollup.period_start
            and slice_keys.dimension_name = social_rollup.dimension_name
            and slice_keys.dimension_value = social_rollup.dimension_value
),

{#- a slice with no event row of a measure counts 0 of it -#}
{%- set metrics = {} %}
{%- for metric_id in counts %}
    {%- do metrics.update({metric_id: ('coalesce(' ~ metric_id ~ ', 0)', none)}) %}
{%- endfor %}
{%- for metric_id, parts in ratios.items() %}
    {%- do metrics.update({metric_id: ('coalesce(' ~ parts[0] ~ ', 0)', 'coalesce(' ~ parts[1] ~ ', 0)')}) %}
{%- endfor %}

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ kpi_metric_columns(metrics, counts) }}
    from measures
)

select * from final
