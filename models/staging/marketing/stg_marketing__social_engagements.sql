with

source as (

    select * from {{ source('marketing', 'social_engagements') }}
    where {{ optional_input_enabled('marketing') }}

),

renamed as (

    select
        cast(engagement_id as {{ dbt.type_string() }}) as engagement_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(network as {{ dbt.type_string() }}) as network,
        cast(engagement_type as {{ dbt.type_string() }}) as engagement_type,
        cast(occurred_at as timestamp) as occurred_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['engagement_id'], []) }}

),

final as (

    select
        engagement_id,
        user_id,
        network,
        engagement_type,
        occurred_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
