with

source as (

    select * from {{ source('marketing', 'campaigns') }}
    where {{ optional_input_enabled('marketing') }}

),

renamed as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(updated_at as timestamp) as updated_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['campaign_id'], ['updated_at']) }}

),

final as (

    select
        campaign_id,
        campaign_name,
        channel,
        start_date,
        end_date,
        updated_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
