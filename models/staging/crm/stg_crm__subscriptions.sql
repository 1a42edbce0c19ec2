with

source as (

    select * from {{ crm_input('subscriptions') }}
    where {{ optional_input_enabled('subscriptions') }}

),

renamed as (

    select
        {{ salesmart_connection_key('subscription_id') }} as subscription_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ salesmart_connection_key('product_id') }} as product_id,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(mrr as decimal(18, 4)) as mrr,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['subscription_id'], ['updated_at']) }}

),

final as (

    select
        subscription_id,
        account_id,
        product_id,
        start_date,
        end_date,
        mrr,
        currency_code,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
