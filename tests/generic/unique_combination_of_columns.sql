{#
    Composite primary keys: no two rows share the values of `combination_of_columns`
    (dbt_utils is unavailable, so a minimal version lives here). Rows with a null key part are
    left to not_null tests.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

duplicates as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicates

{% endtest %}
