{#- crm.contacts from HubSpot contacts (docs/sources.md): every version the source holds; stg_crm__contacts keeps
    the latest. account_id: the contact's primary company (associatedcompanyid); persona: hs_persona. -#}
{%- set present = connector_columns(
    'hubspot', 'contact', ['id', 'property_createdate', 'property_lastmodifieddate']
) -%}

with

source as (

    select * from {{ connector_relation('hubspot', 'contact') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        {{ connector_column('property_associatedcompanyid', present) }} as account_id,
        {{ connector_column('property_firstname', present) }} as first_name,
        {{ connector_column('property_lastname', present) }} as last_name,
        {{ connector_column('property_email', present) }} as email,
        {{ connector_column('property_phone', present) }} as phone,
        {{ connector_column('property_jobtitle', present) }} as title,
        {{ connector_column('property_hs_persona', present) }} as persona,
        cast(property_createdate as timestamp) as created_at,
        cast(property_lastmodifieddate as timestamp) as updated_at,
        {{ connector_is_deleted(present) }} as is_deleted,
        {{ connector_lineage(present) }}
    from source
    where {{ connector_is_current(present) }}

)

select * from renamed
