{#- Incremental, not a view: each build dedups only the rows of new files (macro rows_in_new_files; without
    a version column the newest file's row of a message_id is its latest version), and its tests and the models
    above it read a table instead of re-ranking the whole history each (the largest cost of a build at
    scale 1). -#}
{{
    config(
        materialized=incremental_materialized(),
        incremental_strategy='delete+insert',
        unique_key='message_id',
        on_schema_change='fail',
    )
}}

with

source as (

    select * from {{ source('email', 'messages') }}
    where {{ optional_input_enabled('email') }} and {{ rows_in_new_files() }}

),

renamed as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(sender_user_id as {{ dbt.type_string() }}) as sender_user_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        {{ hash_pii('recipient_email') }} as recipient_email_hash,
        cast(sequence_step as bigint) as sequence_step,
        cast(sent_at as timestamp) as sent_at,
        {{ salesmart_source_relation() }} as source_relation,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from source

),

latest as (

    {{ latest_version('renamed', ['message_id'], []) }}

),

final as (

    select
        message_id,
        sender_user_id,
        campaign_id,
        lead_id,
        contact_id,
        recipient_email_hash,
        sequence_step,
        sent_at,
        source_relation,
        _loaded_at,
        _file_id
    from latest

)

select * from final
