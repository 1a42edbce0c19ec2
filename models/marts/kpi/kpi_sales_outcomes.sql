-- LT02 misreads the indentation of SQL that Jinja loops generate (it indents each loop's output
-- relative to the rendered text); the layout below follows the house style instead.
-- noqa: disable=LT02
{#- Family model sales_outcomes (metrics.yml): one row per (period_grain, period_start, dimension_name,
    dimension_value), one column per metric plus _numerator/_denominator for ratios and averages. Every
    period has a total row (counts and money 0 without events, ratios null without a denominator); each
    metric is filled only on the total row and on its own dims (null elsewhere). -#}

{#- metric -> (source CTE, has numerator/denominator, value when nothing happened on an applicable slice) -#}
{%- set metric_sources = [
    ('revenue', 'revenue', false, '0'),
    ('new_customer_revenue', 'revenue', false, '0'),
    ('existing_customer_revenue', 'revenue', false, '0'),
    ('gross_margin', 'revenue', true, none),
    ('sales_velocity', 'opportunity_outcomes', true, none),
    ('customer_lifetime_value', 'lifetime_value', true, none),
    ('customer_churn_rate', 'churn', true, none),
    ('customer_retention_rate', 'churn', true, none),
    ('renewal_rate', 'opportunity_outcomes', true, none),
    ('nps', 'feedback', true, none),
    ('complaints', 'feedback', false, '0'),
    ('quota_attainment_rate', 'quota_attainment', true, none),
    ('average_sale_value', 'revenue', true, none),
    ('first_purchase_value', 'first_orders', true, none),
    ('net_revenue_retention', 'revenue_retention', true, none),
] %}
{#- numerator/denominator columns that are counts or sums: 0 on an applicable slice without events -#}
{%- set additive_parts = [
    'gross_margin', 'renewal_rate', 'nps', 'quota_attainment_rate', 'average_sale_value', 'first_purchase_value',
    'net_revenue_retention',
] %}

with

revenue as (
    select * from {{ ref('int_revenue_by_period') }}
),

first_orders as (
    select * from {{ ref('int_first_orders_by_period') }}
),

opportunity_outcomes as (
    select * from {{ ref('int_opportunities_outcomes_by_period') }}
),

churn as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        customer_churn_rate,
        accounts_lost as customer_churn_rate_numerator,
        accounts_active_start as customer_churn_rate_denominator,
        customer_retention_rate,
        accounts_retained as customer_retention_rate_numerator,
        accounts_active_start as customer_retention_rate_denominator
    from {{ ref('int_accounts_churn_by_period') }}
),

lifetime_value as (
    select * from {{ ref('int_accounts_lifetime_value_by_period') }}
),

quota_attainment as (
    select * from {{ ref('int_reps_quota_attainment_by_period') }}
),

feedback as (
    select * from {{ ref('int_customer_feedback_by_period') }}
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

active_intervals as (
    select * from {{ ref('int_accounts_active_intervals') }}
),

subscriptions as (
    select * from {{ ref('stg_crm__subscriptions') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

-- net_revenue_retention: the accounts active on the period's first day, as customer_churn_rate counts them
-- (int_accounts_churn_by_period); mrr converts at the rate of the period's last day, the as-of date's in the
-- period holding it, on both sides
accounts_active_at_start as (
    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        reporting_periods.snapshot_date as rate_date,
        active_intervals.account_id
    from reporting_periods
    inner join active_intervals
        on {{ covers_day('reporting_periods.period_start', 'active_intervals.active_from',
            'active_intervals.active_to') }}
),

-- their subscriptions within the period; those covering the first day give the denominator, those covering the
-- last day the numerator (several subscriptions of an account covering a day each count)
retention_subscriptions as (
    select
        accounts_active_at_start.period_grain,
        accounts_active_at_start.period_start,
        accounts.segment,
        accounts.territory_id as territory,
        {{ covers_day('accounts_active_at_start.period_start', 'subscriptions.start_date', 'subscriptions.end_date') }}
            as covers_first_day,
        {{ covers_day('accounts_active_at_start.period_end', 'subscriptions.start_date', 'subscriptions.end_date') }}
            as covers_last_day,
        {{ reporting_amount('subscriptions.mrr', 'fx_rates_daily.rate_to_reporting') }} as mrr_reporting
    from accounts_active_at_start
    inner join subscriptions
        on
            accounts_active_at_start.account_id = subscriptions.account_id
            and accounts_active_at_start.period_end >= subscriptions.start_date
            and (subscriptions.end_date is null or accounts_active_at_start.period_start <= subscriptions.end_date)
    left join accounts
        on accounts_active_at_start.account_id = accounts.account_id
    left join fx_rates_daily
        on
            subscriptions.currency_code = fx_rates_daily.currency_code
            and accounts_active_at_start.rate_date = fx_rates_daily.rate_date
),

retention_rollup as (
    {{ kpi_rollup('retention_subscriptions', none, kpi_metric_dimensions('net_revenue_retention'), {
        'first_day_mrr': 'coalesce(sum(case when covers_first_day then mrr_reporting end), 0)',
        'last_day_mrr': 'coalesce(sum(case when covers_last_day then mrr_reporting end), 0)',
    }) }}
),

revenue_retention as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ kpi_ratio('last_day_mrr', 'first_day_mrr') }} as net_revenue_retention,
        last_day_mrr as net_revenue_retention_numerator,
        first_day_mrr as net_revenue_retention_denominator
    from retention_rollup
),

{%- set source_ctes = [
    'revenue', 'first_orders', 'opportunity_outcomes', 'churn', 'lifetime_value', 'quota_attainment', 'feedback',
    'revenue_retention',
] %}

keys as (
    {{ kpi_slice_keys(source_ctes) }}
),

final as (
    select
        keys.period_grain,
        keys.period_start,
        keys.dimension_name,
        keys.dimension_value,
        {%- for metric, source, has_parts, empty_value in metric_sources %}
        {%- set is_last_metric = loop.last %}
        {#- the metric's slices (total + its dims in metrics.yml) #}
        {%- set applies = kpi_slice_applies(metric, 'keys') %}
        {%- set columns = [metric] + ([metric ~ '_numerator', metric ~ '_denominator'] if has_parts else []) %}
        {%- for column in columns %}
        {%- set is_zero_filled = (column == metric and empty_value is not none)
            or (column != metric and metric in additive_parts) %}
        case
            when {{ applies }}
                then {{ 'coalesce(' ~ source ~ '.' ~ column ~ ', 0)' if is_zero_filled else source ~ '.' ~ column }}
        end as {{ column }}{{ ',' if not (loop.last and is_last_metric) }}
        {%- endfor %}
        {%- endfor %}
    from keys
    {%- for source in source_ctes %}
    left join {{ source }}
        on
            keys.period_grain = {{ source }}.period_grain
            and keys.period_start = {{ source }}.period_start
            and keys.dimension_name = {{ source }}.dimension_name
            and keys.dimension_value = {{ source }}.dimension_value
    {%- endfor %}
)

select * from final
