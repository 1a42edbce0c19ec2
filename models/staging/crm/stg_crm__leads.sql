with

source as (

    select * from {{ crm_input('leads') }}

),

renamed as (

    select
        {{ salesmart_connection_key('lead_id') }} as lead_id,
        cast(created_at as timestamp) as created_at,
        cast(source_channel as {{ dbt.type_string() }}) as source_channel,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        {{ salesmart_connection_key('owner_user_id') }} as owner_user_id,
        {{ hash_pii('email') }} as email_hash,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(persona as {{ dbt.type_string() }}) as persona,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(mql_at as timestamp) as mql_at,
        cast(sql_at as timestamp) as sql_at,
        cast(converted_at as timestamp) as converted_at,
        {{ salesmart_connection_key('converted_account_id') }} as converted_account_id,
        {{ salesmart_connection_key('converted_contact_id') }} as converted_contact_id,
        {{ salesmart_connection_key('converted_opportunity_id') }} as converted_opportunity_id,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{- passthrough_select('lead', crm_input('leads')) }}
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['lead_id'], ['updated_at']) }}

),

final as (

    select
        lead_id,
        created_at,
        source_channel,
        campaign_id,
        owner_user_id,
        email_hash,
        company_name,
        persona,
        status,
        mql_at,
        sql_at,
        converted_at,
        converted_account_id,
        converted_contact_id,
        converted_opportunity_id,
        updated_at,
        is_deleted,
        {{- passthrough_names('lead') }}
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
