{#- The ordered open stages of CRM opportunities (raw_contract.yml crm.opportunities.stages.ordered);
    tests/python/test_catalog.py checks this copy against the contract. -#}
{% macro crm_ordered_stages() -%}
    {{ return(['prospecting', 'qualification', 'discovery', 'proposal', 'negotiation']) }}
{%- endmacro %}
