{#- The contract CRM tables the Salesforce adapter feeds (models/staging/salesforce/stg_salesforce__<table>). -#}
{% macro salesforce_contract_tables() %}
    {{ return([]) }}
{% endmacro %}
