with

source as (

    select * from {{ crm_input('nps_responses') }}
    where {{ optional_input_enabled('nps_responses') }}

),

renamed as (

    select
        {{ salesmart_connection_key('response_id') }} as response_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ salesmart_connection_key('contact_id') }} as contact_id,
        cast(score as bigint) as score,
        cast(responded_at as timestamp) as responded_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['response_id'], []) }}

),

final as (

    select
        response_id,
        account_id,
        contact_id,
        score,
        responded_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
