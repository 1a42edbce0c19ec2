{#- The keys whose `is_credited_with_meeting` in {{ this }} differs from `credited_cte` (the keys credited
    now): the set difference both ways, a small set. fct_activities and fct_email_messages rewrite these rows
    on an incremental run (docs/architecture.md "Incremental models"). Only valid inside is_incremental(). -#}
{% macro credit_flag_changes(key_column, credited_cte) %}
    (
        select {{ key_column }} from {{ credited_cte }}
        except
        select {{ key_column }} from {{ this }} where is_credited_with_meeting
    )
    union
    (
        select {{ key_column }} from {{ this }} where is_credited_with_meeting
        except
        select {{ key_column }} from {{ credited_cte }}
    )
{%- endmacro %}
