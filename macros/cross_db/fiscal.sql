{#- Date and fiscal-calendar helpers. Every engine-specific expression goes through adapter.dispatch so
    PostgreSQL and Spark can override only what differs. -#}

{#- Months elapsed since the start of the fiscal year holding `date_expr` (0..11). -#}
{% macro fiscal_month_offset(date_expr) -%}
    {{ return(adapter.dispatch('fiscal_month_offset', 'salesmart')(date_expr)) }}
{%- endmacro %}

{% macro default__fiscal_month_offset(date_expr) -%}
    {%- set start_month = var('fiscal_year_start_month') | int -%}
    mod(cast(extract(month from {{ date_expr }}) as integer) + {{ 12 - start_month }}, 12)
{%- endmacro %}

{#- First day of the calendar month holding `date_expr`, as a date. -#}
{% macro month_start(date_expr) -%}
    {{ return(adapter.dispatch('month_start', 'salesmart')(date_expr)) }}
{%- endmacro %}

{% macro default__month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- Add a whole number of months (an integer SQL expression) to a date; returns a date. -#}
{% macro add_months(date_expr, months_expr) -%}
    {{ return(adapter.dispatch('add_months', 'salesmart')(date_expr, months_expr)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, months_expr) -%}
    cast({{ dbt.dateadd('month', months_expr, date_expr) }} as date)
{%- endmacro %}

{#- Add a number of days to a date; returns a date. -#}
{% macro add_days(date_expr, days_expr) -%}
    {{ return(adapter.dispatch('add_days', 'salesmart')(date_expr, days_expr)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}

{#- First day of the fiscal quarter / fiscal year holding `date_expr` (var fiscal_year_start_month). -#}
{% macro fiscal_quarter_start(date_expr) -%}
    {{ add_months(month_start(date_expr), '-1 * mod(' ~ fiscal_month_offset(date_expr) ~ ', 3)') }}
{%- endmacro %}

{% macro fiscal_year_start(date_expr) -%}
    {{ add_months(month_start(date_expr), '-1 * ' ~ fiscal_month_offset(date_expr)) }}
{%- endmacro %}

{#- Fiscal year number: the calendar year in which the fiscal year ends (FY starting Feb 2025 = FY2026;
    with a January start it is the calendar year). -#}
{% macro fiscal_year_number(date_expr) -%}
    {%- set start_month = var('fiscal_year_start_month') | int -%}
    {%- if start_month == 1 -%}
        cast(extract(year from {{ date_expr }}) as integer)
    {%- else -%}
        cast(extract(year from {{ fiscal_year_start(date_expr) }}) as integer) + 1
    {%- endif -%}
{%- endmacro %}

{#- First day of the period of `grain` (month | quarter | year, fiscal) holding `date_expr`. -#}
{% macro period_start(grain, date_expr) -%}
    {%- if grain == 'month' -%}
        {{ month_start(date_expr) }}
    {%- elif grain == 'quarter' -%}
        {{ fiscal_quarter_start(date_expr) }}
    {%- elif grain == 'year' -%}
        {{ fiscal_year_start(date_expr) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_start: unknown grain '" ~ grain ~ "' (month, quarter, year)") }}
    {%- endif -%}
{%- endmacro %}

{#- Months in a period of `grain`. -#}
{% macro grain_months(grain) -%}
    {%- set months = {'month': 1, 'quarter': 3, 'year': 12} -%}
    {%- if grain not in months -%}
        {{ exceptions.raise_compiler_error("grain_months: unknown grain '" ~ grain ~ "' (month, quarter, year)") }}
    {%- endif -%}
    {{ return(months[grain]) }}
{%- endmacro %}

{#- The reporting date of a UTC timestamp: its date in var reporting_timezone. -#}
{% macro reporting_date(timestamp_expr) -%}
    {{ return(adapter.dispatch('reporting_date', 'salesmart')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__reporting_date(timestamp_expr) -%}
    {%- set tz = var('reporting_timezone') -%}
    {%- if tz == 'UTC' -%}
        cast({{ timestamp_expr }} as date)
    {%- else -%}
        cast(({{ timestamp_expr }} at time zone 'UTC') at time zone '{{ tz }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro spark__reporting_date(timestamp_expr) -%}
    {%- set tz = var('reporting_timezone') -%}
    {%- if tz == 'UTC' -%}
        cast({{ timestamp_expr }} as date)
    {%- else -%}
        cast(from_utc_timestamp({{ timestamp_expr }}, '{{ tz }}') as date)
    {%- endif -%}
{%- endmacro %}

{#- The UTC instant at which a reporting date begins (local midnight in var reporting_timezone). -#}
{% macro reporting_day_start_at(date_expr) -%}
    {{ return(adapter.dispatch('reporting_day_start_at', 'salesmart')(date_expr)) }}
{%- endmacro %}

{% macro default__reporting_day_start_at(date_expr) -%}
    {%- set tz = var('reporting_timezone') -%}
    {%- if tz == 'UTC' -%}
        cast({{ date_expr }} as timestamp)
    {%- else -%}
        cast((cast({{ date_expr }} as timestamp) at time zone '{{ tz }}') at time zone 'UTC' as timestamp)
    {%- endif -%}
{%- endmacro %}

{% macro spark__reporting_day_start_at(date_expr) -%}
    {%- set tz = var('reporting_timezone') -%}
    {%- if tz == 'UTC' -%}
        cast({{ date_expr }} as timestamp)
    {%- else -%}
        to_utc_timestamp(cast({{ date_expr }} as timestamp), '{{ tz }}')
    {%- endif -%}
{%- endmacro %}

{#- Whole days from date a to date b (b - a). -#}
{% macro days_between(start_date_expr, end_date_expr) -%}
    {{ dbt.datediff(start_date_expr, end_date_expr, 'day') }}
{%- endmacro %}

{#- The as-of date as a SQL date literal, or none when it must come from the data:
    var as_of_date if non-empty, else env SALESMART_AS_OF. A malformed value is a compile error. -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date', '') | string | trim -%}
    {%- set origin = 'var as_of_date' -%}
    {%- if value == '' -%}
        {%- set value = env_var('SALESMART_AS_OF', '') | trim -%}
        {%- set origin = 'env SALESMART_AS_OF' -%}
    {%- endif -%}
    {%- if value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(origin ~ " must be YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return("cast('" ~ value ~ "' as date)") }}
{%- endmacro %}

{#- An 8-byte floating type for ratios and KPI values (dbt.type_float() is 4-byte REAL on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'salesmart')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- ISO day of week of a date: Monday 1 .. Sunday 7. DuckDB and PostgreSQL share extract(isodow);
    Spark's dayofweek() counts Sunday 1 .. Saturday 7. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'salesmart')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as integer)
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    (mod(dayofweek({{ date_expr }}) + 5, 7) + 1)
{%- endmacro %}

{#- SQL condition: the date is Monday..Friday. -#}
{% macro is_weekday(date_expr) -%}
    {{ iso_day_of_week(date_expr) }} <= 5
{%- endmacro %}
