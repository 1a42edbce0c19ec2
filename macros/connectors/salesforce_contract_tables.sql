{#- The contract CRM tables the Salesforce adapter feeds (models/staging/salesforce/stg_salesforce__<table>):
    each one whose Salesforce table is switched on (var salesforce_<table>_enabled). A switched-off table's
    contract table reads raw_crm instead. scripts/salesmart/connectors/salesforce.py FEEDS lists the same. -#}
{% macro salesforce_contract_tables() %}
    {%- set feeds = {
        'users': ['user'],
        'accounts': ['account'],
        'contacts': ['contact'],
        'leads': ['lead'],
        'opportunities': ['opportunity'],
        'opportunity_history': ['opportunity_history'],
        'products': ['product_2'],
        'opportunity_line_items': ['opportunity_line_item'],
        'orders': ['order'],
        'order_lines': ['order_item'],
        'activities': ['task', 'event'],
        'support_tickets': ['case'],
        'quotas': ['forecasting_quota'],
        'fx_rates': ['dated_conversion_rate'],
    } -%}
    {%- set fed = [] -%}
    {%- for contract_table, sf_tables in feeds.items() -%}
        {%- for sf_table in sf_tables if var('salesforce_' ~ sf_table ~ '_enabled', true) -%}
            {%- if contract_table not in fed -%}{%- do fed.append(contract_table) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(fed) }}
{% endmacro %}


{#- Enabled when crm_source is salesforce and the Salesforce table it reads is switched on. -#}
{% macro salesforce_enabled(sf_table=none) %}
    {{ return(var('crm_source', 'salesmart') == 'salesforce'
        and (sf_table is none or var('salesforce_' ~ sf_table ~ '_enabled', true))) }}
{% endmacro %}


{#- Currency of a record: currency_iso_code in a multi-currency org, else var salesforce_default_currency. -#}
{% macro salesforce_currency(present, alias='') -%}
    {%- if 'currency_iso_code' in present -%}
        cast(coalesce({{ alias ~ '.' if alias }}currency_iso_code, '{{ var("salesforce_default_currency") }}') as {{ dbt.type_string() }})
    {%- else -%}
        cast('{{ var("salesforce_default_currency") }}' as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#- When a record version was written: SystemModstamp, else LastModifiedDate, else when Fivetran synced it
    (Fivetran's sample schemas carry only some of them). -#}
{% macro salesforce_version_columns() %}
    {{ return(['system_modstamp', 'last_modified_date', '_fivetran_synced']) }}
{% endmacro %}

{#- (connector_columns(..., one_of=salesforce_version_columns()) checks that one exists) -#}
{% macro salesforce_updated_at(present, alias='') -%}
    {%- set found = [] -%}
    {%- for column in salesforce_version_columns() if column in present -%}
        {%- do found.append('cast(' ~ (alias ~ '.' if alias) ~ column ~ ' as timestamp)') -%}
    {%- endfor -%}
    {{ 'coalesce(' ~ found | join(', ') ~ ')' if found | length > 1 else (found[0] if found else 'cast(null as timestamp)') }}
{%- endmacro %}


{#- When a record was created: CreatedDate, else its first known version time. -#}
{% macro salesforce_created_at(present, alias='') -%}
    {%- if 'created_date' in present -%}
        coalesce(cast({{ alias ~ '.' if alias }}created_date as timestamp), {{ salesforce_updated_at(present, alias) }})
    {%- else -%}
        {{ salesforce_updated_at(present, alias) }}
    {%- endif -%}
{%- endmacro %}
