{{ config(enabled=salesforce_enabled('opportunity_history')) }}
{#- contract crm.opportunity_history <- Salesforce OpportunityHistory (one row per stage, amount or close-date
    change); stages through seed crm_stage_map. Deleted rows are dropped (the contract table has no is_deleted). -#}
{%- set columns = connector_columns('salesforce', 'opportunity_history',
    ['id', 'opportunity_id', 'stage_name', 'created_date'], 'salesforce_opportunity_history_enabled') -%}

with

source as (

    select * from {{ connector_relation('salesforce', 'opportunity_history') }}

),

stage_map as (

    select
        crm_stage,
        stage_name
    from {{ ref('crm_stage_map') }}
    where crm_source = 'salesforce'

),

renamed as (

    select
        cast(source.id as {{ dbt.type_string() }}) as history_id,
        cast(source.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        coalesce(stage_map.stage_name, {{ salesmart_snake_case('source.stage_name') }}) as stage_name,
        {{ connector_column('amount', columns, 'decimal(18, 4)') }} as amount,
        {{ connector_column('close_date', columns, 'date') }} as close_date,
        cast(source.created_date as timestamp) as changed_at,
        {{ connector_column('created_by_id', columns) }} as changed_by_user_id,
        {{ connector_lineage(columns, 'source') }}
    from source
    left join stage_map
        on source.stage_name = stage_map.crm_stage
    where
        {{ connector_is_current(columns) }}
        and {{ connector_not_deleted(columns, 'source.id') }}

)

select * from renamed
