{{ config(enabled=salesforce_enabled('forecasting_quota')) }}
{#- contract crm.quotas <- Salesforce ForecastingQuota (Collaborative Forecasts): one row per owner and start
    month; the amount is taken to be in the reporting currency, as the contract's quota is. -#}
{%- set columns = connector_columns('salesforce', 'forecasting_quota',
    ['id', 'quota_owner_id', 'start_date', 'quota_amount'], 'salesforce_forecasting_quota_enabled', one_of=salesforce_version_columns()) -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'forecasting_quota') }}

),

renamed as (

    select
        cast(quota_owner_id as {{ dbt.type_string() }}) as user_id,
        cast({{ dbt.date_trunc('month', 'cast(start_date as date)') }} as date) as period_month,
        cast(quota_amount as decimal(18, 4)) as quota_amount,
        {{ salesforce_updated_at(columns) }} as updated_at,
        {{ connector_lineage(columns) }}
    from source
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'id') }}

)

select * from renamed
