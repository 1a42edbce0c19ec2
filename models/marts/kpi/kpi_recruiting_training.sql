-- KPI family recruiting_training (metrics.yml): one row per period grain, period and slice.
-- HR privacy: a dimension slice with fewer than var min_group_size people behind it is suppressed
-- (values, numerators and denominators null, is_suppressed true); total rows never are.
-- LT02 misreads the indentation of SQL that Jinja loops generate (it indents each loop's output
-- relative to the rendered text); the layout below follows the house style instead.
-- noqa: disable=LT02
{#- the family's metrics, in catalog order; each is filled on its registry slices (kpi_slice_condition) -#}
{%- set metric_ids = [] %}
{%- for metric_id, entry in metric_catalog().items() if entry['family'] == 'recruiting_training' %}
    {%- do metric_ids.append(metric_id) %}
{%- endfor %}
with

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

headcount_daily as (

    select * from {{ ref('fct_sales_headcount_daily') }}

),

sales_employees as (

    select * from {{ ref('int_sales_employees') }}

),

training_enrollments as (

    select * from {{ ref('int_sales_training_enrollments') }}

),

recruiting_hours as (

    select * from {{ ref('int_recruiting_hours') }}

),

candidate_applications as (

    select * from {{ ref('int_candidate_applications') }}

),

requisitions_filled as (

    select * from {{ ref('int_requisitions_filled') }}

),

rep_first_wins as (

    select * from {{ ref('int_rep_first_wins') }}

),

{#- Event slices: one CTE per entry, the kpi_rollup of its source's rows (those matching `where`) assigned
    to periods by date_column, on the registry dims of the metric it feeds. #}
{%- set event_slices = [
    {'name': 'recruiting_hours_slices', 'source': 'recruiting_hours', 'date_column': 'work_date',
        'metric': 'recruiting_hours_per_candidate', 'measures': {'recruiting_hours': 'sum(hours)'}},
    {'name': 'candidate_slices', 'source': 'candidate_applications', 'date_column': 'applied_date',
        'metric': 'recruiting_hours_per_candidate', 'measures': {'candidate_count': 'count(distinct candidate_id)'}},
    {'name': 'time_to_hire_slices', 'source': 'requisitions_filled', 'date_column': 'filled_date',
        'metric': 'time_to_hire_days',
        'measures': {'days_to_hire_sum': 'sum(days_to_hire)', 'filled_count': 'count(*)'}},
    {'name': 'training_cost_slices', 'source': 'training_enrollments', 'date_column': 'enrolled_date',
        'metric': 'training_cost_per_employee', 'measures': {'training_cost': 'sum(cost_reporting)'}},
    {'name': 'training_hours_slices', 'source': 'training_enrollments', 'date_column': 'completed_date',
        'metric': 'training_hours_per_employee', 'measures': {'training_hours': 'sum(hours_spent)'}},
    {'name': 'assessment_slices', 'source': 'training_enrollments', 'date_column': 'completed_date',
        'metric': 'training_assessment_score', 'where': 'assessment_score is not null',
        'measures': {'assessment_score_sum': 'sum(assessment_score)', 'assessment_count': 'count(*)',
            'assessed_employee_count': 'count(distinct employee_id)'}},
    {'name': 'termination_slices', 'source': 'sales_employees', 'date_column': 'termination_date',
        'metric': 'turnover_rate', 'measures': {'termination_count': 'count(*)'}},
    {'name': 'ramp_slices', 'source': 'rep_first_wins', 'date_column': 'first_won_date',
        'metric': 'ramp_days', 'where': 'ramp_days is not null',
        'measures': {'ramp_days_sum': 'sum(ramp_days)', 'ramped_rep_count': 'count(*)'}},
] %}
{%- for spec in event_slices %}

{{ spec.name }}_events as (

    {{ kpi_assign_periods(spec.source, spec.date_column, spec.get('where')) }}

),

{{ spec.name }} as (

    {{ kpi_rollup(spec.name ~ '_events', none, kpi_metric_dimensions(spec.metric), spec.measures) }}

),
{%- endfor %}

-- Average sales headcount of each period = (headcount on its first day + on its last day) / 2.
headcount_by_period as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        (first_day.sales_headcount + last_day.sales_headcount) / 2.0 as avg_headcount
    from reporting_periods
    left join headcount_daily as first_day
        on reporting_periods.period_start = first_day.headcount_date
    left join headcount_daily as last_day
        on reporting_periods.period_end = last_day.headcount_date

),

-- Tenure is a state on the period's last day, not an event: employees employed then.
tenure_slices as (

    select
        reporting_periods.period_grain,
        reporting_periods.period_start,
        'total' as dimension_name,
        'total' as dimension_value,
        -- LT05 judges the rendered line, and dbt.datediff renders long. Whole days summed exactly, then one
        -- division as double (Spark divides an integer by a decimal literal in decimal, rounded to 6 places).
        cast(sum({{ dbt.datediff('sales_employees.hire_date', 'reporting_periods.period_end', 'day') }}) as {{ type_double() }}) / 365.25  -- noqa: LT05
            as tenure_years_sum,
        count(*) as employed_count
    from reporting_periods
    inner join sales_employees
        on {{ is_employed_on('reporting_periods.period_end', 'sales_employees') }}
    group by
        reporting_periods.period_grain,
        reporting_periods.period_start

),

slices as (

    {{ kpi_slice_keys(event_slices | map(attribute='name') | list) }}

),

{%- set joined = ['recruiting_hours_slices', 'candidate_slices', 'time_to_hire_slices', 'training_cost_slices',
    'training_hours_slices', 'assessment_slices', 'termination_slices', 'ramp_slices', 'tenure_slices'] %}

measures as (

    select
        slices.period_grain,
        slices.period_start,
        slices.dimension_name,
        slices.dimension_value,
        coalesce(recruiting_hours_slices.recruiting_hours, 0) as recruiting_hours_per_candidate_numerator,
        coalesce(candidate_slices.candidate_count, 0) as recruiting_hours_per_candidate_denominator,
        coalesce(time_to_hire_slices.days_to_hire_sum, 0) as time_to_hire_days_numerator,
        coalesce(time_to_hire_slices.filled_count, 0) as time_to_hire_days_denominator,
        coalesce(training_cost_slices.training_cost, 0) as training_cost_per_employee_numerator,
        headcount_by_period.avg_headcount as training_cost_per_employee_denominator,
        coalesce(training_hours_slices.training_hours, 0) as training_hours_per_employee_numerator,
        headcount_by_period.avg_headcount as training_hours_per_employee_denominator,
        coalesce(assessment_slices.assessment_score_sum, 0) as training_assessment_score_numerator,
        coalesce(assessment_slices.assessment_count, 0) as training_assessment_score_denominator,
        coalesce(tenure_slices.tenure_years_sum, 0) as avg_tenure_years_numerator,
        coalesce(tenure_slices.employed_count, 0) as avg_tenure_years_denominator,
        coalesce(termination_slices.termination_count, 0) as turnover_rate_numerator,
        -- Turnover slices by termination_reason share the company's average headcount.
        headcount_by_period.avg_headcount as turnover_rate_denominator,
        coalesce(ramp_slices.ramp_days_sum, 0) as ramp_days_numerator,
        coalesce(ramp_slices.ramped_rep_count, 0) as ramp_days_denominator,
        -- People behind the row: the smallest non-zero group among its metrics (0 when none).
        coalesce(least(
            nullif(coalesce(candidate_slices.candidate_count, 0), 0),
            nullif(coalesce(time_to_hire_slices.filled_count, 0), 0),
            nullif(coalesce(assessment_slices.assessed_employee_count, 0), 0),
            nullif(coalesce(termination_slices.termination_count, 0), 0),
            nullif(coalesce(ramp_slices.ramped_rep_count, 0), 0)
        ), 0) as people_count
    from slices
    left join headcount_by_period
        on
            slices.period_grain = headcount_by_period.period_grain
            and slices.period_start = headcount_by_period.period_start
    {%- for cte in joined %}
    left join {{ cte }}
        on
            slices.period_grain = {{ cte }}.period_grain
            and slices.period_start = {{ cte }}.period_start
            and slices.dimension_name = {{ cte }}.dimension_name
            and slices.dimension_value = {{ cte }}.dimension_value
    {%- endfor %}

),

flagged as (

    select
        *,
        dimension_name <> 'total' and people_count < {{ var('min_group_size') }} as is_suppressed
    from measures

),

final as (

    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        {%- for metric_id in metric_ids %}
        {%- set applies = kpi_slice_condition(metric_id) %}
        case
            when {{ applies }} and not is_suppressed
                then cast({{ metric_id }}_numerator as {{ type_double() }})
                    / nullif(cast({{ metric_id }}_denominator as {{ type_double() }}), 0)
        end as {{ metric_id }},
        case
            when {{ applies }} and not is_suppressed then cast({{ metric_id }}_numerator as {{ type_double() }})
        end as {{ metric_id }}_numerator,
        case
            when {{ applies }} and not is_suppressed then cast({{ metric_id }}_denominator as {{ type_double() }})
        end as {{ metric_id }}_denominator,
        {%- endfor %}
        is_suppressed
    from flagged

)

select * from final
