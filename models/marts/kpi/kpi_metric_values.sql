{#- The long KPI table of the output contract: one row per (metric_id, period_grain, period_start,
    dimension_name, dimension_value), unpivoted from the family models of kpi_families() with the
    metric catalog; prior values by a self-join on the computed prior period starts; targets from
    stg_crm__targets (user_id null -> total slice, or the source_relation slice for a target of a named CRM
    connection; else the rep slice). -#}

{%- set catalog = metric_catalog() %}
{%- set families = kpi_families() %}

with

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

targets as (
    select * from {{ ref('stg_crm__targets') }}
),

family_values as (
    {%- set branches = [] %}
    {%- for family in families %}
        {%- set model_name = 'kpi_' ~ family %}
        {%- set relation = ref(model_name) %}
        {#- column names are only known once the family model is built -#}
        {%- set columns = [] %}
        {%- if execute %}
            {%- for column in adapter.get_columns_in_relation(relation) %}
                {%- do columns.append(column.name | lower) %}
            {%- endfor %}
        {%- endif %}
        {%- for metric_id, entry in catalog.items() if entry['family'] == family %}
            {%- set has_parts = (metric_id ~ '_numerator') in columns %}
            {%- set branch %}
    select
        '{{ metric_id }}' as metric_id,
        '{{ family }}' as family,
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        cast({{ metric_id }} as {{ type_double() }}) as value,
        {%- if has_parts %}
        cast({{ metric_id }}_numerator as {{ type_double() }}) as numerator,
        cast({{ metric_id }}_denominator as {{ type_double() }}) as denominator,
        {%- else %}
        cast(null as {{ type_double() }}) as numerator,
        cast(null as {{ type_double() }}) as denominator,
        {%- endif %}
        {%- if 'is_suppressed' in columns %}
        coalesce(is_suppressed, false) as is_suppressed
        {%- else %}
        false as is_suppressed
        {%- endif %}
    from {{ relation }}
    where {{ kpi_slice_applies(metric_id) }}
            {%- endset %}
            {%- do branches.append(branch) %}
        {%- endfor %}
    {%- endfor %}
    {%- if branches | length == 0 %}
    {{ exceptions.raise_compiler_error("kpi_metric_values: kpi_families() lists no family with metrics") }}
    {%- endif %}
    {{ branches | join('\n    union all\n') }}
),

targets_by_slice as (
    select
        metric_id,
        period_grain,
        period_start,
        case
            when user_id is not null then 'rep'
            when source_relation = 'default' then 'total'
            else 'source_relation'
        end as dimension_name,
        case
            when user_id is not null then user_id
            when source_relation = 'default' then 'total'
            else source_relation
        end as dimension_value,
        target_value,
        updated_at,
        target_id
    from targets
),

-- one target per (metric, grain, period, slice); the latest version wins
ranked_targets as (
    select
        *,
        row_number() over (
            partition by metric_id, dimension_name, dimension_value, period_grain, period_start
            order by updated_at desc, target_id desc
        ) as target_rank
    from targets_by_slice
),

slice_targets as (
    select
        metric_id,
        period_grain,
        period_start,
        dimension_name,
        dimension_value,
        cast(target_value as {{ type_double() }}) as target_value
    from ranked_targets
    where target_rank = 1
),

with_periods as (
    select
        family_values.*,
        reporting_periods.period_end,
        reporting_periods.is_complete_period,
        reporting_periods.prior_period_start,
        reporting_periods.prior_year_start
    from family_values
    inner join reporting_periods
        on reporting_periods.period_grain = family_values.period_grain
        and reporting_periods.period_start = family_values.period_start
),

final as (
    select
        current_.metric_id,
        current_.family,
        current_.period_grain,
        current_.period_start,
        current_.period_end,
        current_.is_complete_period,
        current_.dimension_name,
        current_.dimension_value,
        current_.value,
        current_.numerator,
        current_.denominator,
        metric_catalog.unit,
        metric_catalog.direction,
        metric_catalog.indicator,
        prior_period.value as prior_period_value,
        prior_year.value as prior_year_value,
        (current_.value - prior_period.value) / nullif(abs(prior_period.value), 0) as change_vs_prior_period,
        (current_.value - prior_year.value) / nullif(abs(prior_year.value), 0) as change_vs_prior_year,
        slice_targets.target_value,
        current_.value / nullif(slice_targets.target_value, 0) as attainment,
        current_.is_suppressed
    from with_periods as current_
    inner join metric_catalog
        on metric_catalog.metric_id = current_.metric_id
    left join family_values as prior_period
        on prior_period.metric_id = current_.metric_id
        and prior_period.period_grain = current_.period_grain
        and prior_period.period_start = current_.prior_period_start
        and prior_period.dimension_name = current_.dimension_name
        and prior_period.dimension_value = current_.dimension_value
    left join family_values as prior_year
        on prior_year.metric_id = current_.metric_id
        and prior_year.period_grain = current_.period_grain
        and prior_year.period_start = current_.prior_year_start
        and prior_year.dimension_name = current_.dimension_name
        and prior_year.dimension_value = current_.dimension_value
    left join slice_targets
        on slice_targets.metric_id = current_.metric_id
        and slice_targets.period_grain = current_.period_grain
        and slice_targets.period_start = current_.period_start
        and slice_targets.dimension_name = current_.dimension_name
        and slice_targets.dimension_value = current_.dimension_value
)

select * from final
