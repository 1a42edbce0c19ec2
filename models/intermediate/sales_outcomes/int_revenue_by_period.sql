{#- Revenue measures per (period, slice) from booked order lines, by order_date: revenue, COGS, new and
    existing customer revenue, booked orders, and the ratios built on them (gross_margin, average_sale_value).
    Slices: total and every revenue dimension; kpi_sales_outcomes keeps each metric to its own dims. -#}

{#- the registry dims of the revenue metrics (and the CRM connection when that dimension is on) -#}
{%- set dimensions = kpi_metric_dimensions([
    'revenue', 'new_customer_revenue', 'existing_customer_revenue', 'gross_margin', 'average_sale_value',
]) %}

with

order_lines as (
    select * from {{ ref('int_order_lines_enriched') }}
),

rolled_up as (
    {{ kpi_rollup('order_lines', 'order_date', dimensions, {
        'revenue': 'sum(kpi_events.revenue_reporting)',
        'cogs': 'sum(kpi_events.cogs_reporting)',
        'new_customer_revenue':
            "coalesce(sum(case when kpi_events.customer_type = 'new' then kpi_events.revenue_reporting end), 0)",
        'existing_customer_revenue':
            "coalesce(sum(case when kpi_events.customer_type = 'existing' then kpi_events.revenue_reporting end), 0)",
        'booked_order_count': 'count(distinct kpi_events.order_id)',
    }) }}
),

final as (
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        revenue,
        cogs,
        new_customer_revenue,
        existing_customer_revenue,
        booked_order_count,
        {{ kpi_ratio('revenue - cogs', 'revenue') }} as gross_margin,
        revenue - cogs as gross_margin_numerator,
        revenue as gross_margin_denominator,
        {{ kpi_ratio('revenue', 'booked_order_count') }} as average_sale_value,
        revenue as average_sale_value_numerator,
        booked_order_count as average_sale_value_denominator
    from rolled_up
)

select * from final
