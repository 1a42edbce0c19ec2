{#- Fails with the rows where any of `columns` (fractions) lies outside [0, 1]; nulls pass. -#}
{% test salesmart_ratio_in_range(model, columns) %}

select *
from {{ model }}
where
    {%- for column in columns %}
    ({{ column }} < 0 or {{ column }} > 1){{ " or" if not loop.last }}
    {%- endfor %}

{% endtest %}
