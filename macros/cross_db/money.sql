{#- Exact money (metrics.yml "money"): an amount in the reporting currency is amount x fx rate, rounded once
    to decimal(38, 8), so every sum of it is an exact decimal sum, the same whatever order threads add
    rows in (a double sum is not). Ratios then divide the exact sums as doubles (kpi_ratio). With a
    decimal(18, 4) amount and rate the product has 8 decimals: no rounding at all. -#}
{% macro reporting_amount(amount_expr, rate_expr) -%}
    {{ return(adapter.dispatch('reporting_amount', 'salesmart')(amount_expr, rate_expr)) }}
{%- endmacro %}

{#- decimal(38, 8) first: DuckDB keeps the width of the wider operand, and an 18-digit product overflows. -#}
{% macro default__reporting_amount(amount_expr, rate_expr) -%}
    cast(cast({{ amount_expr }} as decimal(38, 8)) * {{ rate_expr }} as decimal(38, 8))
{%- endmacro %}

{#- Spark widens a product to p1 + p2 + 1 digits and, past 38, cuts the scale to 6: narrow both operands
    so the product (38 digits, 12 decimals) is exact before the rounding to 8. -#}
{% macro spark__reporting_amount(amount_expr, rate_expr) -%}
    cast(cast({{ amount_expr }} as decimal(24, 8)) * cast({{ rate_expr }} as decimal(13, 4)) as decimal(38, 8))
{%- endmacro %}

{#- The rows of `needed_rates` (a CTE with currency_code and rate_date) that find no rate in
    `fx_rates_daily` (a CTE over int_fx_rates_daily): the final step of the tests/assert_fx_rate_for_* tests. -#}
{% macro missing_fx_rates(needed_rates='needed_rates', fx_rates_daily='fx_rates_daily') -%}
    select {{ needed_rates }}.*
    from {{ needed_rates }}
    left join {{ fx_rates_daily }}
        on
            {{ needed_rates }}.currency_code = {{ fx_rates_daily }}.currency_code
            and {{ needed_rates }}.rate_date = {{ fx_rates_daily }}.rate_date
    where {{ fx_rates_daily }}.rate_to_reporting is null
{%- endmacro %}
