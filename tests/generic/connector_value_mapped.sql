{#
    A connector adapter's mapped picklist column holds only contract values. The rows it fails with are
    (unmapped_value, record_count), and the failure message names them, e.g.
    "stg_salesforce__opportunities.stage_name: 2 values map to no contract value: 'id_decision_makers'
    (12 records), 'closed_lost_competitor' (3 records); map them in seeds/crm_stage_map.csv" - a value the
    mapping does not know is counted and named, never silently dropped. `key_column` counts distinct records
    (an adapter emits every version of a record); `remedy` says where to map.
#}
{% test connector_value_mapped(model, column_name, values, remedy, key_column=none) %}

{%- set unmapped_sql -%}
    select
        {{ column_name }} as unmapped_value,
        count({{ 'distinct ' ~ key_column if key_column else '*' }}) as record_count
    from {{ model }}
    where
        {{ column_name }} is not null
        and {{ column_name }} not in ('{{ values | join("', '") }}')
    group by {{ column_name }}
{%- endset -%}

{%- if execute -%}
    {%- set unmapped = run_query(unmapped_sql ~ ' order by 2 desc, 1') -%}
    {%- if unmapped.rows | length > 0 -%}
        {%- set named = [] -%}
        {%- for row in unmapped.rows -%}
            {%- do named.append("'" ~ row[0] ~ "' (" ~ row[1] ~ " records)") -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            model.identifier ~ "." ~ column_name ~ ": " ~ unmapped.rows | length
            ~ " values map to no contract value: " ~ named | join(", ") ~ "; " ~ remedy) }}
    {%- endif -%}
{%- endif -%}

{{ unmapped_sql }}

{% endtest %}


{#- The stage form: every opportunity stage maps to one of the contract's stages (open or closed). -#}
{% test crm_stage_mapped(model, column_name, crm_source, key_column) %}
    {{ test_connector_value_mapped(
        model, column_name, crm_ordered_stages() + ['closed_won', 'closed_lost'],
        "map them for crm_source " ~ crm_source ~ " in seeds/crm_stage_map.csv (columns crm_source, crm_stage, stage_name)",
        key_column) }}
{% endtest %}
