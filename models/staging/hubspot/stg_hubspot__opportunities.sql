{#- crm.opportunities from HubSpot deals (docs/sources.md): every version the source holds; stg_crm__opportunities
    keeps the latest. stage_name: the deal's stage id through seed crm_stage_map (is_closed / is_won follow from
    it); opportunity_type: dealtype through seed hubspot_property_values; account: the deal's company
    association (the primary one, type 5, first); closedate is the expected close date while open and the close
    time once closed. A stage or dealtype the seeds do not know passes through as HubSpot wrote it and fails
    the test that names it with its number of deals (_hubspot__models.yml). -#}
{%- set present = connector_columns(
    'hubspot', 'deal',
    ['deal_id', 'deal_pipeline_stage_id', 'owner_id', 'property_createdate', 'property_hs_lastmodifieddate'],
) -%}
{%- set association_present = connector_columns('hubspot', 'deal_company', ['deal_id', 'company_id']) -%}

with

source as (

    select * from {{ connector_relation('hubspot', 'deal') }}

),

deal_company as (

    select * from {{ connector_relation('hubspot', 'deal_company') }}

),

stage_map as (

    select * from {{ ref('crm_stage_map') }}
    where crm_source = 'hubspot'

),

deal_types as (

    select * from {{ ref('hubspot_property_values') }}
    where property = 'dealtype'

),

deals as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(deal_pipeline_stage_id as {{ dbt.type_string() }}) as stage_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        {{ connector_column('property_dealname', present) }} as deal_name,
        {{ connector_column('property_dealtype', present) }} as deal_type,
        {{ connector_column('property_amount', present, 'decimal(18, 4)') }} as amount,
        {{ connector_column('property_deal_currency_code', present) }} as currency_code,
        {{ connector_column('property_closedate', present, 'timestamp') }} as closed_or_expected_at,
        {{ connector_column('property_closed_lost_reason', present) }} as lost_reason,
        {{ connector_column('property_lead_id', present) }} as lead_id,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        {{ connector_is_deleted(present) }} as is_deleted,
        {{ connector_lineage(present) }}
    from source
    where {{ connector_is_current(present) }}

),

ranked_companies as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(company_id as {{ dbt.type_string() }}) as company_id,
        row_number() over (
            partition by deal_id
            order by
                case when {{ connector_column('type_id', association_present, 'bigint') }} = 5 then 0 else 1 end,
                company_id
        ) as company_rank
    from deal_company
    where not {{ connector_is_deleted(association_present) }}

),

renamed as (

    select
        deals.deal_id as opportunity_id,
        ranked_companies.company_id as account_id,
        deals.owner_id as owner_user_id,
        deals.lead_id,
        deals.deal_name as opportunity_name,
        coalesce(deal_types.contract_value, deals.deal_type) as opportunity_type,
        coalesce(stage_map.stage_name, deals.stage_id) as stage_name,
        deals.amount,
        -- a deal without a currency is in the portal's company currency
        coalesce(deals.currency_code, '{{ var("hubspot_company_currency", "USD") }}') as currency_code,
        cast(deals.closed_or_expected_at as date) as close_date,
        coalesce(stage_map.stage_name in ('closed_won', 'closed_lost'), false) as is_closed,
        coalesce(stage_map.stage_name = 'closed_won', false) as is_won,
        case
            when stage_map.stage_name in ('closed_won', 'closed_lost') then deals.closed_or_expected_at
        end as closed_at,
        deals.lost_reason,
        deals.created_at,
        deals.updated_at,
        deals.is_deleted,
        deals._file_id,
        deals._source_line,
        deals._loaded_at,
        deals._source_relation
    from deals
    left join ranked_companies
        on
            deals.deal_id = ranked_companies.deal_id
            and ranked_companies.company_rank = 1
    left join stage_map
        on deals.stage_id = stage_map.crm_stage
    left join deal_types
        on deals.deal_type = deal_types.hubspot_value

)

select * from renamed
