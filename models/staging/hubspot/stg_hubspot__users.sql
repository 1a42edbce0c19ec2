{#- crm.users from HubSpot owners (docs/sources.md): every owner version the source holds; stg_crm__users keeps the
    latest. Owners carry no sales role, manager, team, territory or HR employee id: those come from the latest
    version of the contract's crm.users row with user_id = owner_id when the landing has crm/users; an owner
    without one is a sales_rep with no manager, team, territory or employee. -#}
{%- set cols = hubspot_columns(
    'owner', 'users',
    ['owner_id', 'created_at', 'updated_at'],
    ['email', 'first_name', 'last_name', 'is_active'] + hubspot_lineage_columns(),
    switchable=true,
) -%}

with

source as (

    select * from {{ hubspot_source('owner', 'users', switchable=true) }}

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
        cast({{ cols.first_name }} as {{ dbt.type_string() }}) as first_name,
        cast({{ cols.last_name }} as {{ dbt.type_string() }}) as last_name,
        cast({{ cols.email }} as {{ dbt.type_string() }}) as email,
        cast({{ cols.is_active }} as boolean) as is_active,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        {{ hubspot_lineage(cols) }}
    from source

),

renamed as (

    select
        owners.user_id,
        cast(directory.employee_id as {{ dbt.type_string() }}) as employee_id,
        nullif(trim(coalesce(owners.first_name, '') || ' ' || coalesce(owners.last_name, '')), '') as full_name,
        owners.email,
        cast(coalesce(directory.role, 'sales_rep') as {{ dbt.type_string() }}) as role,
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
