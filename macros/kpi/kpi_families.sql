{#-
    kpi_families(): the families kpi_metric_values unions, in metrics.yml order.
    A family registers itself by switching its own line to true when its model marts/kpi/kpi_<family>.sql
    exists. Keep one family per line with the comment lines between them so that parallel branches
    merge without conflicts.
-#}
{% macro kpi_families() -%}
    {%- set enabled = {} -%}
    {#- sales_outcomes -> kpi_sales_outcomes #}
    {%- do enabled.update({'sales_outcomes': true}) -%}
    {#- sales_activity -> kpi_sales_activity #}
    {%- do enabled.update({'sales_activity': true}) -%}
    {#- pipeline -> kpi_pipeline #}
    {%- do enabled.update({'pipeline': true}) -%}
    {#- lead_generation -> kpi_lead_generation #}
    {%- do enabled.update({'lead_generation': true}) -%}
    {#- sales_productivity -> kpi_sales_productivity #}
    {%- do enabled.update({'sales_productivity': true}) -%}
    {#- recruiting_training -> kpi_recruiting_training #}
    {%- do enabled.update({'recruiting_training': true}) -%}
    {%- set families = [] -%}
    {%- for family, is_enabled in enabled.items() if is_enabled -%}
        {%- do families.append(family) -%}
    {%- endfor -%}
    {{ return(families) }}
{%- endmacro %}
