{#- Lead generation family (metrics.yml): one row per (period_grain, period_start, dimension_name,
    dimension_value). A metric column is filled only on the total row and its own dims; elsewhere null.
    Each measure is rolled up on its own event date (leads by created_at, mqls by mql_at, ...). -#}
{%- set counts = ['mqls', 'sqls', 'leads_created'] -%}
{#- Each rollup slices by the registry dims of the metrics it feeds (kpi_metric_dimensions; the CRM
    connection of the lead too, when that dimension is on). -#}
{#- metric_id: (numerator measure, denominator measure) -#}
{%- set ratios = {
    'ad_click_through_rate': ('ad_clicks', 'ad_impressions'),
    'click_to_lead_rate': ('ad_campaign_leads', 'ad_clicks'),
    'marketing_roi': ('campaign_bookings - marketing_spend', 'marketing_spend'),
    'cost_per_lead': ('marketing_spend', 'leads_created'),
    'customer_acquisition_cost': ('marketing_spend + sales_cost', 'new_customers'),
    'lead_response_hours': ('cast(response_seconds as ' ~ type_double() ~ ') / 3600', 'touched_leads'),
    'lead_to_opportunity_rate': ('opportunity_leads', 'leads_created'),
    'lead_to_customer_rate': ('customer_leads', 'leads_created'),
    'research_hours_per_first_contact': ('research_hours', 'first_touched_leads'),
} -%}
{%- set rollups = {
    'ad_rollup': ['ad_clicks', 'ad_impressions'],
    'lead_rollup': ['leads_created', 'ad_campaign_leads', 'opportunity_leads', 'customer_leads', 'touched_leads', 'response_seconds'],
    'mql_rollup': ['mqls'],
    'sql_rollup': ['sqls'],
    'spend_rollup': ['marketing_spend', 'sales_cost'],
    'booking_rollup': ['campaign_bookings'],
    'first_touch_rollup': ['first_touched_leads'],
    'research_rollup': ['research_hours'],
    'new_customer_rollup': ['new_customers'],
} -%}

with

leads as (
    select * from {{ ref('fct_leads') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

ad_performance as (
    select * from {{ ref('stg_marketing__ad_performance_daily') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

accounts_first_order as (
    select * from {{ ref('int_accounts_first_order') }}
),

time_entries as (
    select * from {{ ref('int_time_entries_deduped') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

ad_events as (
    select
        ad_performance.performance_date as reporting_date,
        ad_performance.campaign_id as campaign,
        campaigns.channel,
        ad_performance.clicks,
        ad_performance.impressions
    from ad_performance
    left join campaigns
        on ad_performance.campaign_id = campaigns.campaign_id
),

lead_events as (
    select
        leads.lead_id,
        leads.created_at,
        leads.mql_at,
        leads.sql_at,
        leads.source_channel,
        leads.campaign_id as campaign,
        campaigns.channel,
        leads.owner_user_id as rep,
        {{- kpi_source_relation_column('leads.') }}
        coalesce(campaigns.has_ad_performance, false) as is_ad_campaign_lead,
        leads.is_converted_to_opportunity,
        leads.is_converted_opportunity_won,
        leads.first_touch_at,
        leads.first_touch_user_id,
        leads.response_seconds
    from leads
    left join campaigns
        on leads.campaign_id = campaigns.campaign_id
),

leads_by_created as (
    select
        {{ reporting_date('created_at') }} as reporting_date,
        *
    from lead_events
),

leads_by_mql as (
    select
        {{ reporting_date('mql_at') }} as reporting_date,
        *
    from lead_events
    where mql_at is not null
),

leads_by_sql as (
    select
        {{ reporting_date('sql_at') }} as reporting_date,
        *
    from lead_events
    where sql_at is not null
),

-- the touching rep, not the lead owner, for research hours per first contact
leads_by_first_touch as (
    select
        {{ reporting_date('first_touch_at') }} as reporting_date,
        first_touch_user_id as rep
    from lead_events
    where first_touch_at is not null
),

spend_events as (
    select
        spend.spend_date as reporting_date,
        spend.campaign_id as campaign,
        campaigns.channel,
        case when spend.is_marketing_spend then spend.amount_reporting else 0 end as marketing_spend,
        case when spend.is_sales_cost then spend.amount_reporting else 0 end as sales_cost
    from spend
    left join campaigns
        on spend.campaign_id = campaigns.campaign_id
),

-- bookings of won opportunities whose lead has a campaign_id, credited to that campaign
booking_events as (
    select
        {{ reporting_date('opportunities.closed_at') }} as reporting_date,
        lead_events.campaign,
        lead_events.channel,
        opportunities.amount_reporting
    from opportunities
    inner join lead_events
        on opportunities.lead_id = lead_events.lead_id
    where
        opportunities.is_won
        and opportunities.closed_at is not null
        and lead_events.campaign is not null
),

-- one CRM user per HR employee (the lowest user_id if an employee has several)
employee_users as (
    select
        employee_id,
        min(user_id) as user_id
    from users
    where employee_id is not null
    group by employee_id
),

-- time entries belong to the CRM user of the same HR employee ('unknown' rep without one)
research_events as (
    select
        time_entries.work_date as reporting_date,
        employee_users.user_id as rep,
        time_entries.hours as research_hours
    from time_entries
    left join employee_users
        on time_entries.employee_id = employee_users.employee_id
    where time_entries.category = 'prospect_research'
),

new_customer_events as (
    select first_order_date as reporting_date
    from accounts_first_order
),

ad_rollup as (
    {{ kpi_rollup('ad_events', 'reporting_date',
        kpi_metric_dimensions(['ad_click_through_rate', 'click_to_lead_rate']), {
        'ad_clicks': 'sum(clicks)',
        'ad_impressions': 'sum(impressions)',
    }) }}
),

lead_rollup as (
    {{ kpi_rollup('leads_by_created', 'reporting_date', kpi_metric_dimensions([
        'leads_created', 'click_to_lead_rate', 'cost_per_lead', 'lead_response_hours', 'lead_to_opportunity_rate',
        'lead_to_customer_rate',
    ]), {
        'leads_created': 'count(*)',
        'ad_campaign_leads': 'count(case when is_ad_campaign_lead then 1 end)',
        'opportunity_leads': 'count(case when is_converted_to_opportunity then 1 end)',
        'customer_leads': 'count(case when is_converted_opportunity_won then 1 end)',
        'touched_leads': 'count(response_seconds)',
        'response_seconds': 'sum(response_seconds)',
    }) }}
),

mql_rollup as (
    {{ kpi_rollup('leads_by_mql', 'reporting_date', kpi_metric_dimensions('mqls'), {'mqls': 'count(*)'}) }}
),

sql_rollup as (
    {{ kpi_rollup('leads_by_sql', 'reporting_date', kpi_metric_dimensions('sqls'), {'sqls': 'count(*)'}) }}
),

spend_rollup as (
    {{ kpi_rollup('spend_events', 'reporting_date',
        kpi_metric_dimensions(['marketing_roi', 'cost_per_lead', 'customer_acquisition_cost']), {
        'marketing_spend': 'sum(marketing_spend)',
        'sales_cost': 'sum(sales_cost)',
    }) }}
),

booking_rollup as (
    {{ kpi_rollup('booking_events', 'reporting_date', kpi_metric_dimensions('marketing_roi'), {
        'campaign_bookings': 'sum(amount_reporting)',
    }) }}
),

first_touch_rollup as (
    {{ kpi_rollup('leads_by_first_touch', 'reporting_date',
        kpi_metric_dimensions('research_hours_per_first_contact'),
        {'first_touched_leads': 'count(*)'}) }}
),

research_rollup as (
    {{ kpi_rollup('research_events', 'reporting_date',
        kpi_metric_dimensions('research_hours_per_first_contact'),
        {'research_hours': 'sum(research_hours)'}) }}
),

new_customer_rollup as (
    {{ kpi_rollup('new_customer_events', 'reporting_date', kpi_metric_dimensions('customer_acquisition_cost'),
        {'new_customers': 'count(*)'}) }}
),

slice_keys as (
    {{ kpi_slice_keys(rollups | list) }}
),

-- every measure 0 where its rollup has no row, so sums and differences stay defined
{%- set measure_columns = [] %}
{%- for cte, names in rollups.items() %}
    {%- for name in names %}
        {%- do measure_columns.append('coalesce(' ~ cte ~ '.' ~ name ~ ', 0) as ' ~ name) %}
    {%- endfor %}
{%- endfor %}
measures as (
    select
        slice_keys.period_grain,
        slice_keys.period_start,
        slice_keys.dimension_name,
        slice_keys.dimension_value,
        {{ measure_columns | join(',\n        ') }}
    -- noqa: disable=LT02
    from slice_keys
    {%- for cte in rollups %}
        left join {{ cte }}
            on
                slice_keys.period_grain = {{ cte }}.period_grain
                and slice_keys.period_start = {{ cte }}.period_start
                and slice_keys.dimension_name = {{ cte }}.dimension_name
                and slice_keys.dimension_value = {{ cte }}.dimension_value
    {%- endfor %}
    -- noqa: enable=LT02
),

{%- set metrics = {} %}
{%- for metric_id in counts %}
    {%- do metrics.update({metric_id: (metric_id, none)}) %}
{%- endfor %}
{%- do metrics.update(ratios) %}

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
