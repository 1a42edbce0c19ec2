{#-
    kpi_rollup(relation, date_column, dimensions, measures, grain_column=none, include_total=true)

    Aggregates event rows into KPI slices: one row per (period_grain, period_start, dimension_name,
    dimension_value) with at least one event, for month, quarter and year (fiscal), restricted to the
    periods of int_reporting_periods. The one slicing template of the project: family models and the
    period-by-slice intermediate models use it, with dimensions from the registry (kpi_metric_dimensions).

    relation       a ref(), source() or the name of a CTE: one row per event
    date_column    the event's reporting date (a date; use reporting_date(ts) upstream for timestamps);
                   none when the rows are already assigned to periods: they carry period_grain and
                   period_start (joined from int_reporting_periods, e.g. by kpi_assign_periods, or a state
                   per period) and are grouped as they are
    dimensions     list of dimension names; each is a column of `relation` named after the dimension.
                   Values are cast to varchar; null becomes 'unknown'.
    measures       dict {column_name: aggregate SQL over the event rows}, e.g. {'calls_made': 'count(*)'}
    grain_column   for snapshots: a column of `relation` holding the grain the row belongs to; a row then
                   feeds only periods of that grain (date_column is any date inside its period)
    include_total  false leaves out the 'total' slice (e.g. stage_conversion_rate)

    Returns a query without a WITH clause, so it can sit inside a CTE.
-#}
{% macro kpi_rollup(relation, date_column, dimensions, measures, grain_column=none, include_total=true) -%}
    {%- if measures is not mapping or measures | length == 0 -%}
        {{ exceptions.raise_compiler_error("kpi_rollup: measures must be a non-empty dict {name: aggregate SQL}") }}
    {%- endif -%}
    {%- set grains = [('month', 'month_start'), ('quarter', 'fiscal_quarter_start'), ('year', 'fiscal_year_start')] -%}
    {%- set slices = (['total'] if include_total else []) + (dimensions | list) -%}
    {%- set branches = [] -%}
    {%- for grain, start_column in (grains if date_column is not none else [(none, none)]) -%}
        {#- events by date: the period of each grain holding the date; period-assigned rows: their own -#}
        {%- if date_column is none -%}
            {%- set period_columns = ['kpi_events.period_grain', 'kpi_events.period_start'] -%}
            {%- set group_columns = 'kpi_events.period_grain,\n        kpi_events.period_start' -%}
        {%- else -%}
            {%- set period_columns = ["'" ~ grain ~ "' as period_grain", 'kpi_days.' ~ start_column ~ ' as period_start'] -%}
            {%- set group_columns = 'kpi_days.' ~ start_column -%}
        {%- endif -%}
        {%- for slice in slices -%}
            {%- set dimension_value = "'total'" if slice == 'total'
                else "coalesce(cast(kpi_events." ~ slice ~ " as " ~ dbt.type_string() ~ "), 'unknown')" -%}
            {%- set branch -%}
    select
        {{ period_columns[0] }},
        {{ period_columns[1] }},
        '{{ slice }}' as dimension_name,
        {{ dimension_value }} as dimension_value,
        {%- for name, expression in measures.items() %}
        {{ expression }} as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }} as kpi_events
    {%- if date_column is not none %}
    inner join {{ ref('int_calendar_days') }} as kpi_days
        on kpi_days.date_day = kpi_events.{{ date_column }}
    inner join {{ ref('int_reporting_periods') }} as kpi_periods
        on kpi_periods.period_grain = '{{ grain }}'
        and kpi_periods.period_start = kpi_days.{{ start_column }}
    {%- if grain_column is not none %}
    where kpi_events.{{ grain_column }} = '{{ grain }}'
    {%- endif %}
    {%- endif %}
    group by
        {{ group_columns }}{{ "," if slice != 'total' }}
        {%- if slice != 'total' %}
        {{ dimension_value }}
        {%- endif %}
            {%- endset -%}
            {%- do branches.append(branch) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ branches | join('\n    union all\n') }}
{%- endmacro %}


{#-
    kpi_assign_periods(relation, date_column, where=none)

    The rows of `relation` (with `where`, a condition on its columns, when given) once per reporting
    period holding their date_column: every column of the relation plus period_grain and period_start, for
    kpi_rollup(..., date_column=none, ...). Rows whose date is null or outside int_reporting_periods drop.
    Returns a query without a WITH clause.
-#}
{% macro kpi_assign_periods(relation, date_column, where=none) -%}
    select
        kpi_periods.period_grain,
        kpi_periods.period_start,
        kpi_events.*
    from {{ relation }} as kpi_events
    inner join {{ ref('int_reporting_periods') }} as kpi_periods
        on kpi_events.{{ date_column }} between kpi_periods.period_start and kpi_periods.period_end
    {%- if where is not none %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}


{#-
    kpi_slice_keys(ctes)

    The keys of a family model: every (period_grain, period_start, 'total', 'total') of
    int_reporting_periods plus every key found in the given CTEs (each the output of kpi_rollup).
    Left join each rollup CTE to these keys and coalesce counts to 0.
-#}
{% macro kpi_slice_keys(ctes) -%}
    select
        period_grain,
        period_start,
        'total' as dimension_name,
        'total' as dimension_value
    from {{ ref('int_reporting_periods') }}
    {%- for cte in ctes %}
    union
    select
        period_grain,
        period_start,
        dimension_name,
        dimension_value
    from {{ cte }}
    {%- endfor %}
{%- endmacro %}


{#- value / denominator, null when the denominator is 0 or null (metrics.yml 'rates'). -#}
{% macro kpi_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}


{#- The registry entry of a metric (metric_catalog()); a compile error names an unknown id. -#}
{% macro kpi_metric_entry(metric_id, caller_name='kpi') -%}
    {%- set catalog = metric_catalog() -%}
    {%- if metric_id not in catalog -%}
        {{ exceptions.raise_compiler_error(caller_name ~ ": '" ~ metric_id ~ "' is not in metrics.yml") }}
    {%- endif -%}
    {{ return(catalog[metric_id]) }}
{%- endmacro %}


{#- The dimensions (without total) the events of one metric, or of a list of metrics, are rolled up by:
    the registry's dims plus kpi_extra_dimensions_for (custom fields, source_relation when on), in order,
    each once. Pass the result to kpi_rollup. -#}
{% macro kpi_metric_dimensions(metric_ids) -%}
    {%- set ids = [metric_ids] if metric_ids is string else metric_ids -%}
    {%- set dims = [] -%}
    {%- for metric_id in ids -%}
        {%- set entry = kpi_metric_entry(metric_id, 'kpi_metric_dimensions') -%}
        {%- for dim in entry['dims'] + kpi_extra_dimensions_for(metric_id) if dim not in dims -%}
            {%- do dims.append(dim) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(dims) }}
{%- endmacro %}


{#- SQL condition: the row's dimension_name is one the metric is reported on ('total' when the catalog
    says has_total, plus its dims and kpi_extra_dimensions_for), whether or not its inputs are on. -#}
{% macro kpi_slice_condition(metric_id, relation_alias=none) -%}
    {%- set entry = kpi_metric_entry(metric_id, 'kpi_slice_condition') -%}
    {%- set names = (['total'] if entry['has_total'] else []) + kpi_metric_dimensions(metric_id) -%}
    {%- set column = (relation_alias ~ '.' if relation_alias else '') ~ 'dimension_name' -%}
    {{ column }} in ('{{ names | join("', '") }}')
{%- endmacro %}


{#- SQL condition: kpi_slice_condition, and none when kpi_metric_available is false (an optional input of
    the metric is off). Use it to null a metric's column on other slices of a family model. -#}
{% macro kpi_slice_applies(metric_id, relation_alias=none) -%}
    {%- do kpi_metric_entry(metric_id, 'kpi_slice_applies') -%}
    {%- if kpi_metric_available(metric_id) -%}
    {{ kpi_slice_condition(metric_id, relation_alias) }}
    {%- else -%}
    1 = 0
    {%- endif -%}
{%- endmacro %}


{#- The metric columns of a family model's final select. `metrics`: metric_id -> (value, none) for a count or
    sum (bigint when listed in `count_metrics`, else double), or (numerator, denominator) for a ratio or
    average, which also gets its _numerator and _denominator columns (doubles). Parts are SQL expressions over
    the family's measures row; every column is null outside the metric's slices (kpi_slice_applies). -#}
{% macro kpi_metric_columns(metrics, count_metrics=[]) -%}
    {%- set columns = [] -%}
    {%- for metric_id, parts in metrics.items() -%}
        {%- set applies = kpi_slice_applies(metric_id) -%}
        {%- if parts[1] is none -%}
            {%- set value_type = 'bigint' if metric_id in count_metrics else type_double() -%}
            {%- do columns.append('cast(case when ' ~ applies ~ ' then ' ~ parts[0] ~ ' end as ' ~ value_type
                ~ ') as ' ~ metric_id) -%}
        {%- else -%}
            {%- set numerator = '(' ~ parts[0] ~ ')' -%}
            {%- set denominator = '(' ~ parts[1] ~ ')' -%}
            {%- do columns.append('case when ' ~ applies ~ ' then ' ~ kpi_ratio(numerator, denominator)
                ~ ' end as ' ~ metric_id) -%}
            {%- do columns.append('cast(case when ' ~ applies ~ ' then ' ~ numerator ~ ' end as ' ~ type_double()
                ~ ') as ' ~ metric_id ~ '_numerator') -%}
            {%- do columns.append('cast(case when ' ~ applies ~ ' then ' ~ denominator ~ ' end as ' ~ type_double()
                ~ ') as ' ~ metric_id ~ '_denominator') -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(columns | join(',\n        ')) -}}
{%- endmacro %}
