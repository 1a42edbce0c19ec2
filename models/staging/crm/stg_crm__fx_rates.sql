with

source as (

    select * from {{ crm_input('fx_rates') }}

),

renamed as (

    select
        cast(rate_date as date) as rate_date,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(rate_to_reporting as decimal(18, 4)) as rate_to_reporting,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['rate_date', 'currency_code'], []) }}

),

final as (

    select
        rate_date,
        currency_code,
        rate_to_reporting,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
