with

source as (

    select * from {{ source('marketing', 'costs') }}
    where {{ optional_input_enabled('marketing') }}

),

renamed as (

    select
        cast(cost_id as {{ dbt.type_string() }}) as cost_id,
        cast(cost_date as date) as cost_date,
        cast(cost_type as {{ dbt.type_string() }}) as cost_type,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(amount as decimal(18, 4)) as amount,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['cost_id'], []) }}

),

final as (

    select
        cost_id,
        cost_date,
        cost_type,
        category,
        campaign_id,
        amount,
        currency_code,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
