{#- The contract CRM tables the HubSpot adapter feeds (models/staging/hubspot/stg_hubspot__<table>). -#}
{% macro hubspot_contract_tables() %}
    {{ return([]) }}
{% endmacro %}
