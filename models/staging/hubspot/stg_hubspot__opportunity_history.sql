{#- crm.opportunity_history from HubSpot's deal history (docs/sources.md): one row per instant a deal's stage
    (deal_stage: one row per stage entry), amount or closedate (deal_property_history) was set, with the state
    after it: the latest stage entry and the latest amount / closedate set at or before that instant (before
    the first stage entry, the first one). Without deal_property_history (var
    hubspot_deal_property_history_enabled: false) the points are the stage entries and amount / close_date are
    the deal's latest. history_id: '<deal_id>@<instant>'. -#}
{%- set use_property_history = var('hubspot_deal_property_history_enabled', true) -%}
{%- set stage_present = connector_columns('hubspot', 'deal_stage', ['deal_id', 'value', 'date_entered']) -%}
{%- if use_property_history -%}
    {%- set property_present = connector_columns(
        'hubspot', 'deal_property_history', ['deal_id', 'name', 'value', 'timestamp'],
        enabled_var='hubspot_deal_property_history_enabled',
    ) -%}
{%- else -%}
    {%- set deal_present = connector_columns('hubspot', 'deal', ['deal_id', 'property_hs_lastmodifieddate']) -%}
{%- endif -%}

with

deal_stage as (

    select * from {{ connector_relation('hubspot', 'deal_stage') }}

),

{% if use_property_history -%}
    deal_property_history as (

        select * from {{ connector_relation('hubspot', 'deal_property_history') }}

    ),
{%- endif %}

stage_map as (

    select * from {{ ref('crm_stage_map') }}
    where crm_source = 'hubspot'

),

stage_entries as (

    select
        cast(deal_stage.deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(coalesce(stage_map.stage_name, deal_stage.value) as {{ dbt.type_string() }}) as stage_name,
        cast(deal_stage.date_entered as timestamp) as changed_at,
        {{ connector_column('source_id', stage_present) }} as changed_by_user_id,
        {{ connector_lineage(stage_present, 'deal_stage') }}
    from deal_stage
    left join stage_map
        on deal_stage.value = stage_map.crm_stage
-- every row is a stage entry (_fivetran_active only marks the current stage): all of them count

),

{% if use_property_history -%}
    property_changes as (

        select
            cast(deal_id as {{ dbt.type_string() }}) as deal_id,
            cast(name as {{ dbt.type_string() }}) as property_name,
            cast(value as {{ dbt.type_string() }}) as property_value,
            cast(timestamp as timestamp) as changed_at,
            {{ connector_column('source_id', property_present) }} as changed_by_user_id,
            {{ connector_lineage(property_present) }}
        from deal_property_history
        where name in ('amount', 'closedate')

    ),
{%- else -%}
deal_versions as (

    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        {{ connector_column('property_amount', deal_present) }} as amount_value,
        {{ connector_column('property_closedate', deal_present) }} as closedate_value,
        cast(property_hs_lastmodifieddate as timestamp) as updated_at,
        {{ connector_lineage(deal_present) }}
    from {{ connector_relation('hubspot', 'deal') }}
    where {{ connector_is_current(deal_present) }}

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
                partition by changes_at_instant.deal_id, changes_at_instant.changed_at
                order by
                    changes_at_instant.source_priority asc,
                    changes_at_instant._file_id desc,
                    changes_at_instant._source_line desc
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
            and (property_changes.changed_at is null or change_points.changed_at >= property_changes.changed_at)

),

renamed as (

    select
        {%- set instant = 'cast(change_points.changed_at as ' ~ dbt.type_string() ~ ')' %}
        {{ dbt.concat(['change_points.deal_id', "'@'", instant]) }} as history_id,
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
