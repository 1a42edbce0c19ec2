with

source as (

    select * from {{ crm_input('targets') }}
    where {{ optional_input_enabled('targets') }}

),

renamed as (

    select
        {{ salesmart_connection_key('target_id') }} as target_id,
        cast(metric_id as {{ dbt.type_string() }}) as metric_id,
        {{ salesmart_connection_key('user_id') }} as user_id,
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(target_value as decimal(18, 4)) as target_value,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['target_id'], ['updated_at']) }}

),

final as (

    select
        target_id,
        metric_id,
        user_id,
        period_grain,
        period_start,
        target_value,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
