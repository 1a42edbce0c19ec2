with

source as (

    select * from {{ crm_input('quotas') }}

),

renamed as (

    select
        {{ salesmart_connection_key('user_id') }} as user_id,
        cast(period_month as date) as period_month,
        cast(quota_amount as decimal(18, 4)) as quota_amount,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['user_id', 'period_month'], ['updated_at']) }}

),

final as (

    select
        user_id,
        period_month,
        quota_amount,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
