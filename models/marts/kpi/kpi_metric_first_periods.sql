{#- The first period with data of each metric, per grain: the earliest period whose company total has a
    non-zero value, numerator or denominator. int_reporting_periods starts at the first month with data
    in any system (e.g. HR hire dates and old orders years before the first call), so the default views
    (`salesmart kpi`, `salesmart scorecard`, the dashboard) start each metric here instead; a later period
    whose events are all zero still shows 0. kpi_metric_values itself keeps every row. -#}

with

metric_values as (
    select * from {{ ref('kpi_metric_values') }}
),

periods_with_data as (
    select
        metric_id,
        period_grain,
        period_start
    from metric_values
    where
        dimension_name = 'total'
        and (value <> 0 or numerator <> 0 or denominator <> 0)
),

final as (
    select
        metric_id,
        period_grain,
        min(period_start) as first_period_start
    from periods_with_data
    group by metric_id, period_grain
)

select * from final
