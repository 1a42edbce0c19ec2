with

source as (

    select * from {{ crm_input('accounts') }}

),

renamed as (

    select
        {{ salesmart_connection_key('account_id') }} as account_id,
        cast(account_name as {{ dbt.type_string() }}) as account_name,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(employee_count as bigint) as employee_count,
        cast(billing_country as {{ dbt.type_string() }}) as billing_country,
        {{ salesmart_connection_key('territory_id') }} as territory_id,
        {{ salesmart_connection_key('owner_user_id') }} as owner_user_id,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{- passthrough_select('account', crm_input('accounts')) }}
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['account_id'], ['updated_at']) }}

),

final as (

    select
        account_id,
        account_name,
        industry,
        segment,
        employee_count,
        billing_country,
        territory_id,
        owner_user_id,
        created_at,
        updated_at,
        is_deleted,
        {{- passthrough_names('account') }}
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
