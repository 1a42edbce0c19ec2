{#
    Where a CRM staging model reads its raw rows (var crm_source, docs/sources.md):
    - `salesmart` (default): the landing contract's raw table, source('crm', <table>);
    - `salesforce` / `hubspot`: the connector adapter model stg_<crm_source>__<table>, which reshapes the
      connector's tables into the contract's raw columns (plus _file_id, _source_line, _loaded_at,
      _source_relation), so every model from stg_crm__<table> on is the same for all three sources.
    A contract table the connector cannot feed (not in <crm_source>_contract_tables()) still reads the
    contract's raw table, so contract folders (targets, nps_responses, ...) combine with a connector CRM.
    Returns the relation (not its rendered name), so passthrough_select can read its columns.
#}
{% macro crm_input(table_name) %}
    {%- set crm_source = var('crm_source', 'salesmart') -%}
    {#- unit tests give their rows as the contract source (their fixtures are contract-shaped) -#}
    {%- if crm_source == 'salesmart' or salesmart_in_unit_test() -%}
        {{ return(source('crm', table_name)) }}
    {%- elif crm_source in ['salesforce', 'hubspot'] -%}
        {%- set fed = salesforce_contract_tables() if crm_source == 'salesforce' else hubspot_contract_tables() -%}
        {%- if table_name in fed -%}
            {{ return(ref('stg_' ~ crm_source ~ '__' ~ table_name)) }}
        {%- else -%}
            {{ return(source('crm', table_name)) }}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var crm_source must be one of salesmart, salesforce, hubspot; got '" ~ crm_source ~ "'") }}
    {%- endif -%}
{% endmacro %}
