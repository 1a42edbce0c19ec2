{#- Every value, numerator and denominator of every family model (on the slices its metric reports)
    equals the kpi_metric_values row of the same key, and no key exists on one side only. -#}

{%- set catalog = metric_catalog() %}

with

metric_values as (
    select * from {{ ref('kpi_metric_values') }}
),

family_values as (
    {%- set branches = [] %}
    {%- for family in kpi_families() %}
        {%- set relation = ref('kpi_' ~ family) %}
        {%- set columns = [] %}
        {%- if execute %}
            {%- for column in adapter.get_columns_in_relation(relation) %}
                {%- do columns.append(column.name | lower) %}
            {%- endfor %}
        {%- endif %}
        {%- for metric_id, entry in catalog.items() if entry['family'] == family %}
            {%- set branch %}
    select
        '{{ metric_id }}' as metric_id,
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        cast({{ metric_id }} as {{ type_double() }}) as value,
        {%- if (metric_id ~ '_numerator') in columns %}
        cast({{ metric_id }}_numerator as {{ type_double() }}) as numerator,
        cast({{ metric_id }}_denominator as {{ type_double() }}) as denominator
        {%- else %}
        cast(null as {{ type_double() }}) as numerator,
        cast(null as {{ type_double() }}) as denominator
        {%- endif %}
    from {{ relation }}
    where {{ kpi_slice_applies(metric_id) }}
            {%- endset %}
            {%- do branches.append(branch) %}
        {%- endfor %}
    {%- endfor %}
    {{ branches | join('\n    union all\n') }}
),

compared as (
    select
        coalesce(family_values.metric_id, metric_values.metric_id) as metric_id,
        coalesce(family_values.period_grain, metric_values.period_grain) as period_grain,
        coalesce(family_values.period_start, metric_values.period_start) as period_start,
        coalesce(family_values.dimension_name, metric_values.dimension_name) as dimension_name,
        coalesce(family_values.dimension_value, metric_values.dimension_value) as dimension_value,
        family_values.metric_id is null as is_missing_in_family,
        metric_values.metric_id is null as is_missing_in_metric_values,
        family_values.value as family_value,
        metric_values.value as metric_value,
        {%- for part in ['value', 'numerator', 'denominator'] %}
        case
            when family_values.{{ part }} is null and metric_values.{{ part }} is null then false
            when family_values.{{ part }} is null or metric_values.{{ part }} is null then true
            else abs(family_values.{{ part }} - metric_values.{{ part }})
                > 1e-9 * (1 + abs(family_values.{{ part }}))
        end as is_{{ part }}_different{{ "," if not loop.last }}
        {%- endfor %}
    from family_values
    full outer join metric_values
        on metric_values.metric_id = family_values.metric_id
        and metric_values.period_grain = family_values.period_grain
        and metric_values.period_start = family_values.period_start
        and metric_values.dimension_name = family_values.dimension_name
        and metric_values.dimension_value = family_values.dimension_value
),

final as (
    select *
    from compared
    where is_missing_in_family
        or is_missing_in_metric_values
        or is_value_different
        or is_numerator_different
        or is_denominator_different
)

select * from final
