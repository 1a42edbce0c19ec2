{{ config(enabled=salesforce_enabled()) }}
{#- contract crm.users <- Salesforce User (+ UserRole for the role); the rep dimension value is the user id. -#}
{%- set columns = connector_columns(
    'salesforce', 'user', ['id', 'is_active'], one_of=salesforce_version_columns()) -%}
{%- set role_columns = connector_columns(
    'salesforce', 'user_role', ['id', 'name'], 'salesforce_user_role_enabled'
) if var('salesforce_user_role_enabled', true) else [] -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'user') }}

),

{% if var('salesforce_user_role_enabled', true) -%}
user_roles as (

    select
        id as user_role_id,
        name as role_name
    from {{ connector_relation('salesforce', 'user_role') }}
    where
        {{ connector_is_current(role_columns) }}
        and not {{ connector_is_deleted(role_columns) }}

),
{%- else %}
user_roles as (

    select
        cast(null as {{ dbt.type_string() }}) as user_role_id,
        cast(null as {{ dbt.type_string() }}) as role_name
    where false

),
{%- endif %}

renamed as (

    select
        cast(source.id as {{ dbt.type_string() }}) as user_id,
        {{ connector_column('employee_number', columns) }} as employee_id,
        {{ connector_column('name', columns) }} as full_name,
        {{ connector_column('email', columns) }} as email,
        coalesce(
            {{ connector_picklist('user_roles.role_name', var('salesforce_user_role_map', {})) }}, 'other'
        ) as role,  -- noqa: RF04
        {{ connector_column('manager_id', columns) }} as manager_user_id,
        {{ connector_column(var('salesforce_user_team_field'), columns) }} as team,
        {{ connector_column(var('salesforce_user_territory_field'), columns) }} as territory_id,
        cast(source.is_active as boolean) as is_active,
        {{ salesforce_created_at(columns, 'source') }} as created_at,
        {{ salesforce_updated_at(columns, 'source') }} as updated_at,
        {{ connector_lineage(columns, 'source') }}
    from source
    left join user_roles
        on source.user_role_id = user_roles.user_role_id
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'source.id') }}

)

select * from renamed
