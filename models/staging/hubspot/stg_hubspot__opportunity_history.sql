{#- crm.opportunity_history from HubSpot's deal history (docs/sources.md): one row per instant a deal's stage
    (deal_stage: one row per stage entry), amount or closedate (deal_property_history) was set, with the state
    after it: the latest stage entry and the latest amount / closedate set at or before that instant (before
    the first stage entry, the first one). Without deal_property_history (var
    hubspot_deal_property_history_enabled: false) the points are the stage entries and amount / close_date are
    the deal's latest. history_id: '<deal_id>@<instant>'. -#}
{%- set use_property_history = hubspot_table_enabled('deal_property_history') -%}
{%- set stage_cols = hubspot_columns(
    'deal_stage', 'opportunity_history', ['deal_id', 'value', 'date_entered'], ['source_id'] + hubspot_lineage_columns()
) -%}
{%- if use_property_history -%}
    {%- set property_cols = hubspot_columns(
        'deal_property_history', 'opportunity_history', ['deal_id', 'name', 'value', 'timestamp'],
        ['source_id'] + hubspot_lineage_columns(), switchable=true,
    ) -%}
{%- endif -%}

with

deal_stage as (

    select * from {{ hubspot_source('deal_stage', 'opportunity_history') }}

),

{% if use_property_history -%}
deal_property_history as (

    select * from {{ hubspot_source('deal_property_history', 'opportunity_history', switchable=true) }}

),
{%- endif %}

stages as (

    select * from {{ ref('hubspot_deal_stages') }}

),

stage_entries as (

    select
        cast(deal_stage.deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(coalesce(stages.stage_name, deal_stage.value) as {{ dbt.type_string() }}) as stage_name,
        cast(deal_stage.date_entered as timestamp) as changed_at,
        cast(deal_stage.{{ stage_cols.source_id }} as {{ dbt.type_string() }}) as changed_by_user_id,
        {{ hubspot_lineage(stage_cols) }}
    from deal_stage
    left join stages
        on deal_stage.value = stages.stage_id

),

{% if use_property_history -%}
property_changes as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(name as {{ dbt.type_string() }}) as property_name,
        cast(value as {{ dbt.type_string() }}) as property_value,
        cast(timestamp as timestamp) as changed_at,
        cast({{ property_cols.source_id }} as {{ dbt.type_string() }}) as changed_by_user_id,
        {{ hubspot_lineage(property_cols) }}
    from deal_property_history
    where name in ('amount', 'closedate')

),
{%- else -%}
deal_versions as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(property_amount as {{ dbt.type_string() }}) as amount_value,
        cast(property_closedate as {{ dbt.type_string() }}) as closedate_value,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        cast(_file_id as bigint) as _file_id,
        cast(_source_line as bigint) as _source_line
    from {{ hubspot_source('deal', 'opportunity_history') }}

),

latest_deals as (

    {{ latest_version('deal_versions', ['deal_id'], ['updated_at']) }}

),

property_changes as (

    select
        deal_id,
        'amount' as property_name,
        amount_value as property_value,
        cast(null as timestamp) as changed_at,
        cast(null as {{ dbt.type_string() }}) as changed_by_user_id,
        _file_id,
        _source_line,
        cast(null as timestamp) as _loaded_at,
        cast(null as {{ dbt.type_string() }}) as _source_relation
    from latest_deals
    union all
    select
        deal_id,
        'closedate' as property_name,
        closedate_value as property_value,
        cast(null as timestamp) as changed_at,
        cast(null as {{ dbt.type_string() }}) as changed_by_user_id,
        _file_id,
        _source_line,
        cast(null as timestamp) as _loaded_at,
        cast(null as {{ dbt.type_string() }}) as _source_relation
    from latest_deals

),
{%- endif %}

-- every instant something was set, with the rows set at that instant (for who and lineage)
changes_at_instant as (

    select
        deal_id,
        changed_at,
        changed_by_user_id,
        _file_id,
        _source_line,
        _loaded_at,
        _source_relation,
        0 as source_priority
    from property_changes
    where changed_at is not null
    union all
    select
        deal_id,
        changed_at,
        changed_by_user_id,
        _file_id,
        _source_line,
        _loaded_at,
        _source_relation,
        1 as source_priority
    from stage_entries

),

change_points as (

    select *
    from (
        select
            changes_at_instant.*,
            row_number() over (
                partition by deal_id, changed_at
                order by source_priority, _file_id desc, _source_line desc
            ) as row_rank
        from changes_at_instant
    ) as ranked
    where row_rank = 1

),

-- latest stage entry at or before each point; before the first entry, the first entry
stage_at_point as (

    select
        change_points.deal_id,
        change_points.changed_at,
        stage_entries.stage_name,
        row_number() over (
            partition by change_points.deal_id, change_points.changed_at
            order by
                case when stage_entries.changed_at <= change_points.changed_at then 0 else 1 end,
                case when stage_entries.changed_at <= change_points.changed_at then stage_entries.changed_at end
                desc nulls last,
                stage_entries.changed_at,
                stage_entries._file_id desc,
                stage_entries._source_line desc
        ) as stage_rank
    from change_points
    inner join stage_entries
        on change_points.deal_id = stage_entries.deal_id

),

-- latest amount / closedate set at or before each point (without property history: the deal's latest)
property_at_point as (

    select
        change_points.deal_id,
        change_points.changed_at,
        property_changes.property_name,
        property_changes.property_value,
        row_number() over (
            partition by change_points.deal_id, change_points.changed_at, property_changes.property_name
            order by
                property_changes.changed_at desc nulls last,
                property_changes._file_id desc,
                property_changes._source_line desc
        ) as property_rank
    from change_points
    inner join property_changes
        on
            change_points.deal_id = property_changes.deal_id
            and (property_changes.changed_at is null or property_changes.changed_at <= change_points.changed_at)

),

renamed as (

    select
        change_points.deal_id || '@' || cast(change_points.changed_at as {{ dbt.type_string() }}) as history_id,
        change_points.deal_id as opportunity_id,
        stage_at_point.stage_name,
        cast(amounts.property_value as decimal(18, 4)) as amount,
        cast(cast(close_dates.property_value as timestamp) as date) as close_date,
        change_points.changed_at,
        change_points.changed_by_user_id,
        change_points._file_id,
        change_points._source_line,
        change_points._loaded_at,
        change_points._source_relation
    from change_points
    left join stage_at_point
        on
            change_points.deal_id = stage_at_point.deal_id
            and change_points.changed_at = stage_at_point.changed_at
            and stage_at_point.stage_rank = 1
    left join property_at_point as amounts
        on
            change_points.deal_id = amounts.deal_id
            and change_points.changed_at = amounts.changed_at
            and amounts.property_name = 'amount'
            and amounts.property_rank = 1
    left join property_at_point as close_dates
        on
            change_points.deal_id = close_dates.deal_id
            and change_points.changed_at = close_dates.changed_at
            and close_dates.property_name = 'closedate'
            and close_dates.property_rank = 1

)

select * from renamed
