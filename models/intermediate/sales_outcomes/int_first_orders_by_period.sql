{#- first_purchase_value per (period, slice): accounts whose first booked order date falls in the period and
    the revenue of those first orders. source_channel is that of the lead converted into the account (the
    earliest converted one), 'unknown' without one. -#}

with

first_orders as (
    select * from {{ ref('int_accounts_first_order') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

account_leads as (
    select
        converted_account_id as account_id,
        source_channel,
        row_number() over (
            partition by converted_account_id
            order by converted_at, created_at, lead_id
        ) as lead_rank
    from leads
    where
        not is_deleted
        and converted_account_id is not null
),

first_order_events as (
    select
        first_orders.account_id,
        first_orders.first_order_date,
        first_orders.first_order_revenue_reporting,
        accounts.segment,
        account_leads.source_channel
    from first_orders
    left join accounts
        on
            first_orders.account_id = accounts.account_id
            and not accounts.is_deleted
    left join account_leads
        on
            first_orders.account_id = account_leads.account_id
            and account_leads.lead_rank = 1
),

rolled_up as (
    {{ kpi_rollup('first_order_events', 'first_order_date', kpi_metric_dimensions('first_purchase_value'), {
        'first_purchase_value_numerator': 'sum(kpi_events.first_order_revenue_reporting)',
        'first_purchase_value_denominator': 'count(*)',
    }) }}
),

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ kpi_ratio('first_purchase_value_numerator', 'first_purchase_value_denominator') }} as first_purchase_value,
        first_purchase_value_numerator,
        first_purchase_value_denominator
    from rolled_up
)

select * from final
