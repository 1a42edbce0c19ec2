with

source as (

    select * from {{ crm_input('opportunities') }}

),

renamed as (

    select
        {{ salesmart_connection_key('opportunity_id') }} as opportunity_id,
        {{ salesmart_connection_key('account_id') }} as account_id,
        {{ salesmart_connection_key('owner_user_id') }} as owner_user_id,
        {{ salesmart_connection_key('lead_id') }} as lead_id,
        cast(opportunity_name as {{ dbt.type_string() }}) as opportunity_name,
        cast(opportunity_type as {{ dbt.type_string() }}) as opportunity_type,
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(amount as decimal(18, 4)) as amount,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(close_date as date) as close_date,
        cast(is_closed as boolean) as is_closed,
        cast(is_won as boolean) as is_won,
        cast(closed_at as timestamp) as closed_at,
        cast(lost_reason as {{ dbt.type_string() }}) as lost_reason,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(is_deleted as boolean) as is_deleted,
        {{- passthrough_select('opportunity', crm_input('opportunities')) }}
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['opportunity_id'], ['updated_at']) }}

),

final as (

    select
        opportunity_id,
        account_id,
        owner_user_id,
        lead_id,
        opportunity_name,
        opportunity_type,
        stage_name,
        amount,
        currency_code,
        close_date,
        is_closed,
        is_won,
        closed_at,
        lost_reason,
        created_at,
        updated_at,
        is_deleted,
        {{- passthrough_names('opportunity') }}
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
