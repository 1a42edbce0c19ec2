{#-
    Optional source systems and tables (docs/architecture.md, "Optional systems and tables").

    Every switch is a var `salesmart_using_<name>` (default true in dbt_project.yml). A switched-off
    input keeps its models in the DAG: its staging models read no rows (`where {{ optional_input_enabled(...) }}`),
    and every metric whose registry field `inputs` (metric_catalog(), from metrics_extra.yml) lists it reports on no slice (kpi_slice_applies is false), so
    kpi_metric_values has no row at all for that metric. `salesmart run` switches off a system whose
    landing folder is absent.
-#}

{#- 'true' or 'false' as a SQL literal; accepts booleans and the strings true/false/1/0 (from --vars). -#}
{% macro optional_input_enabled(name) -%}
    {{- 'true' if salesmart_switch_is_on(name) else 'false' -}}
{%- endmacro %}


{% macro salesmart_switch_is_on(name) -%}
    {#- unit tests check the logic on their given rows, whatever the deployment switches off -#}
    {%- if salesmart_in_unit_test() -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set value = var('salesmart_using_' ~ name, true) -%}
    {%- if value is string -%}
        {{ return(value | trim | lower not in ['false', '0', 'no', 'off']) }}
    {%- endif -%}
    {{ return(value is not none and value != false) }}
{%- endmacro %}


{#- The switches a metric needs, all of them on, for it to be reported. -#}
{% macro kpi_metric_available(metric_id) -%}
    {%- set inputs = metric_catalog().get(metric_id, {}).get('inputs', []) -%}
    {%- for name in inputs -%}
        {%- if not salesmart_switch_is_on(name) -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}


{#- True while dbt compiles a unit test (its node is the context's `model`). -#}
{% macro salesmart_in_unit_test() -%}
    {{ return(model is defined and model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}
