with

source as (

    select * from {{ source('marketing', 'ad_performance_daily') }}
    where {{ optional_input_enabled('marketing') }}

),

renamed as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(performance_date as date) as performance_date,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(spend as decimal(18, 4)) as spend,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['campaign_id', 'performance_date'], []) }}

),

final as (

    select
        campaign_id,
        performance_date,
        impressions,
        clicks,
        spend,
        currency_code,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
