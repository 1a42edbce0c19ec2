{#- The contract CRM tables the HubSpot adapter feeds (models/staging/hubspot/stg_hubspot__<table>). users needs
    the owner table (var hubspot_owner_enabled); without it crm.users is read from the landing contract. -#}
{% macro hubspot_contract_tables() %}
    {%- set tables = ['accounts', 'contacts', 'opportunities', 'opportunity_history', 'activities'] -%}
    {%- if var('hubspot_owner_enabled', true) -%}
        {%- do tables.append('users') -%}
    {%- endif -%}
    {{ return(tables) }}
{% endmacro %}
