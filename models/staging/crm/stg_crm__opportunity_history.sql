with

source as (

    select * from {{ crm_input('opportunity_history') }}

),

renamed as (

    select
        {{ salesmart_connection_key('history_id') }} as history_id,
        {{ salesmart_connection_key('opportunity_id') }} as opportunity_id,
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(amount as decimal(18, 4)) as amount,
        cast(close_date as date) as close_date,
        cast(changed_at as timestamp) as changed_at,
        {{ salesmart_connection_key('changed_by_user_id') }} as changed_by_user_id,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['history_id'], []) }}

),

final as (

    select
        history_id,
        opportunity_id,
        stage_name,
        amount,
        close_date,
        changed_at,
        changed_by_user_id,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
