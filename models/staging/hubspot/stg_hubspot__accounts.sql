{#- crm.accounts from HubSpot companies (docs/sources.md): every version the source holds; stg_crm__accounts keeps
    the latest. industry: HubSpot's enum lower-cased; segment and territory_id: custom properties. -#}
{%- set present = connector_columns(
    'hubspot', 'company', ['id', 'property_name', 'property_createdate', 'property_hs_lastmodifieddate']
) -%}

with

source as (

    select * from {{ connector_relation('hubspot', 'company') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(property_name as {{ dbt.type_string() }}) as account_name,
        lower({{ connector_column('property_industry', present) }}) as industry,
        {{ connector_column('property_segment', present) }} as segment,
        {{ connector_column('property_numberofemployees', present, 'bigint') }} as employee_count,
        {{ connector_column('property_country', present) }} as billing_country,
        {{ connector_column('property_territory_id', present) }} as territory_id,
        {{ connector_column('property_hubspot_owner_id', present) }} as owner_user_id,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        {{ connector_is_deleted(present) }} as is_deleted,
        {{ connector_lineage(present) }}
    from source
    where {{ connector_is_current(present) }}

)

select * from renamed
