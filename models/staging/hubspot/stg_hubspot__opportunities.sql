{#- crm.opportunities from HubSpot deals (docs/sources.md): every version the source holds; stg_crm__opportunities
    keeps the latest. stage_name: the deal's pipeline stage through seed hubspot_deal_stages (is_closed / is_won
    follow from it); opportunity_type: dealtype through seed hubspot_property_values; account: the deal's
    company association (the primary one, type 5, first); closedate is the expected close date while open and
    the close time once closed. A stage or dealtype the seeds do not know passes through as HubSpot wrote it
    and fails the test that names it with its number of deals (_hubspot__models.yml). -#}
{%- set cols = hubspot_columns(
    'deal', 'opportunities',
    ['deal_id', 'deal_pipeline_id', 'deal_pipeline_stage_id', 'owner_id', 'property_createdate',
     'property_hs_lastmodifieddate'],
    ['is_deleted', '_fivetran_deleted', 'property_dealname', 'property_dealtype', 'property_amount',
     'property_deal_currency_code', 'property_closedate', 'property_closed_lost_reason', 'property_lead_id']
    + hubspot_lineage_columns(),
) -%}
{%- set association_cols = hubspot_columns(
    'deal_company', 'opportunities', ['deal_id', 'company_id'], ['type_id', '_fivetran_deleted']
) -%}

with

source as (

    select * from {{ hubspot_source('deal', 'opportunities') }}

),

deal_company as (

    select * from {{ hubspot_source('deal_company', 'opportunities') }}

),

stages as (

    select * from {{ ref('hubspot_deal_stages') }}

),

deal_types as (

    select * from {{ ref('hubspot_property_values') }}
    where property = 'dealtype'

),

deals as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(deal_pipeline_id as {{ dbt.type_string() }}) as pipeline_id,
        cast(deal_pipeline_stage_id as {{ dbt.type_string() }}) as stage_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast({{ cols.property_dealname }} as {{ dbt.type_string() }}) as deal_name,
        cast({{ cols.property_dealtype }} as {{ dbt.type_string() }}) as deal_type,
        cast({{ cols.property_amount }} as decimal(18, 4)) as amount,
        cast({{ cols.property_deal_currency_code }} as {{ dbt.type_string() }}) as currency_code,
        cast({{ cols.property_closedate }} as timestamp) as closed_or_expected_at,
        cast({{ cols.property_closed_lost_reason }} as {{ dbt.type_string() }}) as lost_reason,
        cast({{ cols.property_lead_id }} as {{ dbt.type_string() }}) as lead_id,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        {{ hubspot_is_deleted(cols) }} as is_deleted,
        {{ hubspot_lineage(cols) }}
    from source

),

ranked_companies as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(company_id as {{ dbt.type_string() }}) as company_id,
        row_number() over (
            partition by deal_id
            order by
                case when cast({{ association_cols.type_id }} as bigint) = 5 then 0 else 1 end,
                company_id
        ) as company_rank
    from deal_company
    where not coalesce(cast({{ association_cols._fivetran_deleted }} as boolean), false)

),

renamed as (

    select
        deals.deal_id as opportunity_id,
        ranked_companies.company_id as account_id,
        deals.owner_id as owner_user_id,
        deals.lead_id,
        deals.deal_name as opportunity_name,
        cast(coalesce(deal_types.contract_value, deals.deal_type) as {{ dbt.type_string() }}) as opportunity_type,
        cast(coalesce(stages.stage_name, deals.stage_id) as {{ dbt.type_string() }}) as stage_name,
        deals.amount,
        coalesce(deals.currency_code, '{{ var("hubspot_company_currency", "USD") }}') as currency_code,
        cast(deals.closed_or_expected_at as date) as close_date,
        coalesce(stages.stage_name in ('closed_won', 'closed_lost'), false) as is_closed,
        coalesce(stages.stage_name = 'closed_won', false) as is_won,
        case
            when stages.stage_name in ('closed_won', 'closed_lost') then deals.closed_or_expected_at
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
    left join stages
        on
            deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    left join deal_types
        on deals.deal_type = deal_types.hubspot_value

)

select * from renamed
