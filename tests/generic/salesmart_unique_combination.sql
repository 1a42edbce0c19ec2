{#- Fails with one row per combination of `columns` that occurs more than once. -#}
{% test salesmart_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
