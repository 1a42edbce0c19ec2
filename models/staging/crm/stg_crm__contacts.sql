with

source as (

    select * from {{ crm_input('contacts') }}

),

renamed as (

    select
        {{ salesmart_connection_key('contact_id') }} as contact_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ hash_pii('email') }} as email_hash,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(persona as {{ dbt.type_string() }}) as persona,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['contact_id'], ['updated_at']) }}

),

final as (

    select
        contact_id,
        account_id,
        email_hash,
        title,
        persona,
        created_at,
        updated_at,
        is_deleted,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
