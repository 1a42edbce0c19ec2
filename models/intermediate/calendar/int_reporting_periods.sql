{#- One row per (period_grain, period_start): fiscal months, quarters and years from the period holding
    the first month with data to the period holding the as-of date. Instants (`*_at`) are UTC timestamps
    of the reporting-timezone midnights that bound the period. -#}

with

bounds as (
    select * from {{ ref('int_reporting_bounds') }}
),

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

{%- set grains = [('month', 'month_start'), ('quarter', 'fiscal_quarter_start'), ('year', 'fiscal_year_start')] %}

periods as (
    {%- for grain, start_column in grains %}
        select distinct
            '{{ grain }}' as period_grain,
            calendar_days.{{ start_column }} as period_start
        from calendar_days
        cross join bounds
        where
            calendar_days.{{ start_column }}
            >= {{ period_start(grain, month_start('coalesce(least(bounds.first_event_date, bounds.as_of_date), bounds.as_of_date)')) }}  -- noqa: LT05
            and calendar_days.{{ start_column }} <= {{ period_start(grain, 'bounds.as_of_date') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

with_bounds as (
    select
        periods.period_grain,
        periods.period_start,
        case periods.period_grain
            {%- for grain, _ in grains %}
                when '{{ grain }}' then {{ add_months('periods.period_start', grain_months(grain)) }}
            {%- endfor %}
        end as next_period_start,
        case periods.period_grain
            {%- for grain, _ in grains %}
                when '{{ grain }}' then {{ add_months('periods.period_start', -1 * grain_months(grain)) }}
            {%- endfor %}
        end as prior_period_start,
        {{ add_months('periods.period_start', '-12') }} as prior_year_start,
        bounds.as_of_date
    from periods
    cross join bounds
),

final as (
    select
        period_grain,
        period_start,
        {{ add_days('next_period_start', '-1') }} as period_end,
        {{ reporting_day_start_at('period_start') }} as period_start_at,
        {{ reporting_day_start_at('next_period_start') }} as period_end_at,
        {{ add_days('next_period_start', '-1') }} < as_of_date as is_complete_period,
        as_of_date <= {{ add_days('next_period_start', '-1') }} and as_of_date >= period_start as is_as_of_period,
        -- the day whose end state a period-end metric reads: the last day, the as-of date in the as-of period
        case
            when {{ add_days('next_period_start', '-1') }} < as_of_date then {{ add_days('next_period_start', '-1') }}
            else as_of_date
        end as snapshot_date,
        case
            when {{ add_days('next_period_start', '-1') }} < as_of_date
                then {{ reporting_day_start_at('next_period_start') }}
            else {{ reporting_day_start_at(add_days('as_of_date', '1')) }}
        end as snapshot_end_at,
        prior_period_start,
        prior_year_start,
        as_of_date
    from with_bounds
)

select * from final
