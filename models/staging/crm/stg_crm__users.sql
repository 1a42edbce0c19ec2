with

source as (

    select * from {{ crm_input('users') }}

),

renamed as (

    select
        {{ salesmart_connection_key('user_id') }} as user_id,
        cast(employee_id as {{ dbt.type_string() }}) as employee_id,
        {{ hash_pii('email') }} as email_hash,
        cast(role as {{ dbt.type_string() }}) as role,  -- noqa: RF04
        {{ salesmart_connection_key('manager_user_id') }} as manager_user_id,
        cast(team as {{ dbt.type_string() }}) as team,
        {{ salesmart_connection_key('territory_id') }} as territory_id,
        cast(is_active as boolean) as is_active,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['user_id'], ['updated_at']) }}

),

final as (

    select
        user_id,
        employee_id,
        email_hash,
        role,
        manager_user_id,
        team,
        territory_id,
        is_active,
        created_at,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
