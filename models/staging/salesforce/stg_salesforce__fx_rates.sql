{{ config(enabled=salesforce_enabled('dated_conversion_rate')) }}
{#- contract crm.fx_rates <- Salesforce DatedConversionRate: conversion_rate is units of the currency per unit
    of the corporate currency from start_date (which must be the reporting currency), so the contract's rate
    to reporting is its inverse; days until next_start_date use the latest earlier rate, as in the contract. -#}
{%- set columns = connector_columns('salesforce', 'dated_conversion_rate',
    ['iso_code', 'conversion_rate', 'start_date'], 'salesforce_dated_conversion_rate_enabled') -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'dated_conversion_rate') }}

),

renamed as (

    select
        cast(start_date as date) as rate_date,
        cast(iso_code as {{ dbt.type_string() }}) as currency_code,
        cast(1 / cast(conversion_rate as {{ type_double() }}) as decimal(18, 4)) as rate_to_reporting,
        {{ connector_lineage(columns) }}
    from source
    where
        cast(conversion_rate as {{ type_double() }}) > 0
        and {{ connector_is_current(columns) }}
        and not {{ connector_is_deleted(columns) }}

)

select * from renamed
