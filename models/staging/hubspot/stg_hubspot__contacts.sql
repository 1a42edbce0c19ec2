{#- crm.contacts from HubSpot contacts (docs/sources.md): every version the source holds; stg_crm__contacts keeps
    the latest. account_id: the contact's primary company (associatedcompanyid); persona: hs_persona. -#}
{%- set cols = hubspot_columns(
    'contact', 'contacts',
    ['id', 'property_createdate', 'property_lastmodifieddate'],
    ['is_deleted', '_fivetran_deleted', 'property_associatedcompanyid', 'property_firstname', 'property_lastname',
     'property_email', 'property_phone', 'property_jobtitle', 'property_hs_persona'] + hubspot_lineage_columns(),
) -%}

with

source as (

    select * from {{ hubspot_source('contact', 'contacts') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        cast({{ cols.property_associatedcompanyid }} as {{ dbt.type_string() }}) as account_id,
        cast({{ cols.property_firstname }} as {{ dbt.type_string() }}) as first_name,
        cast({{ cols.property_lastname }} as {{ dbt.type_string() }}) as last_name,
        cast({{ cols.property_email }} as {{ dbt.type_string() }}) as email,
        cast({{ cols.property_phone }} as {{ dbt.type_string() }}) as phone,
        cast({{ cols.property_jobtitle }} as {{ dbt.type_string() }}) as title,
        cast({{ cols.property_hs_persona }} as {{ dbt.type_string() }}) as persona,
        cast(property_createdate as timestamp) as created_at,
        cast(property_lastmodifieddate as timestamp) as updated_at,
        {{ hubspot_is_deleted(cols) }} as is_deleted,
        {{ hubspot_lineage(cols) }}
    from source

)

select * from renamed
