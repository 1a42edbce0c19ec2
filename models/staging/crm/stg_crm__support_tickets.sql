with

source as (

    select * from {{ crm_input('support_tickets') }}
    where {{ optional_input_enabled('support_tickets') }}

),

renamed as (

    select
        {{ salesmart_connection_key('ticket_id') }} as ticket_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(opened_at as timestamp) as opened_at,
        cast(closed_at as timestamp) as closed_at,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['ticket_id'], ['updated_at']) }}

),

final as (

    select
        ticket_id,
        account_id,
        category,
        opened_at,
        closed_at,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
