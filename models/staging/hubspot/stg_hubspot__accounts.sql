{#- crm.accounts from HubSpot companies (docs/sources.md): every version the source holds; stg_crm__accounts keeps
    the latest. industry: HubSpot's enum lower-cased; segment and territory_id: custom properties. -#}
{%- set cols = hubspot_columns(
    'company', 'accounts',
    ['id', 'property_name', 'property_createdate', 'property_hs_lastmodifieddate'],
    ['is_deleted', '_fivetran_deleted', 'property_industry', 'property_segment', 'property_numberofemployees',
     'property_country', 'property_territory_id', 'property_hubspot_owner_id'] + hubspot_lineage_columns(),
) -%}

with

source as (

    select * from {{ hubspot_source('company', 'accounts') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(property_name as {{ dbt.type_string() }}) as account_name,
        lower(cast({{ cols.property_industry }} as {{ dbt.type_string() }})) as industry,
        cast({{ cols.property_segment }} as {{ dbt.type_string() }}) as segment,
        cast({{ cols.property_numberofemployees }} as bigint) as employee_count,
        cast({{ cols.property_country }} as {{ dbt.type_string() }}) as billing_country,
        cast({{ cols.property_territory_id }} as {{ dbt.type_string() }}) as territory_id,
        cast({{ cols.property_hubspot_owner_id }} as {{ dbt.type_string() }}) as owner_user_id,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        {{ hubspot_is_deleted(cols) }} as is_deleted,
        {{ hubspot_lineage(cols) }}
    from source

)

select * from renamed
