{#- crm.users from HubSpot owners (docs/sources.md): every owner version the source holds; stg_crm__users keeps the
    latest. Owners carry no sales role, manager, team, territory or HR employee id: those come from the latest
    version of the contract's crm.users row with user_id = owner_id when the landing has crm/users; an owner
    without one is a sales_rep with no manager, team, territory or employee. -#}
{#- without owners (var hubspot_owner_enabled false) crm.users is the contract's: no adapter -#}
{{ config(enabled=var('crm_source', 'salesmart') == 'hubspot' and var('hubspot_owner_enabled', true)) }}
{%- set present = connector_columns(
    'hubspot', 'owner', ['owner_id', 'created_at', 'updated_at'], enabled_var='hubspot_owner_enabled'
) -%}

with

source as (

    select * from {{ connector_relation('hubspot', 'owner') }}

),

directory_versions as (

    select * from {{ source('crm', 'users') }}

),

directory as (

    {{ latest_version('directory_versions', ['user_id'], ['updated_at']) }}

),

owners as (

    select
        cast(owner_id as {{ dbt.type_string() }}) as user_id,
        {{ connector_column('first_name', present) }} as first_name,
        {{ connector_column('last_name', present) }} as last_name,
        {{ connector_column('email', present) }} as email,
        {{ connector_column('is_active', present, 'boolean') }} as is_active,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        {{ connector_lineage(present) }}
    from source
    where {{ connector_is_current(present) }}

),

renamed as (

    select
        owners.user_id,
        cast(directory.employee_id as {{ dbt.type_string() }}) as employee_id,
        nullif(trim(coalesce(owners.first_name, '') || ' ' || coalesce(owners.last_name, '')), '') as full_name,
        owners.email,
        cast(coalesce(directory.role, 'sales_rep') as {{ dbt.type_string() }}) as role,  -- noqa: RF04
        cast(directory.manager_user_id as {{ dbt.type_string() }}) as manager_user_id,
        cast(directory.team as {{ dbt.type_string() }}) as team,
        cast(directory.territory_id as {{ dbt.type_string() }}) as territory_id,
        coalesce(owners.is_active, true) as is_active,
        owners.created_at,
        owners.updated_at,
        owners._file_id,
        owners._source_line,
        owners._loaded_at,
        owners._source_relation
    from owners
    left join directory
        on owners.user_id = directory.user_id

)

select * from renamed
