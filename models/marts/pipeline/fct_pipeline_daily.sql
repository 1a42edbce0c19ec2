{#- One row per open opportunity per day, from the first event date to the as-of date (int_reporting_bounds):
    the state at the day's last instant (int_opportunity_state_intervals), the amount converted at that
    day's rate, and the dominant product family of the opportunity's line items by amount ('unknown'
    without lines).

    Incremental (delete+insert by opportunity_id): a run rebuilds every day of the opportunities that
    changed since the last build (a staging row of opportunities, opportunity_history or
    opportunity_line_items with a _file_id above the stored watermark) or are open after the last day
    built; a new fx_rates or products file rebuilds all of them. The post-hook removes opportunities that
    were deleted and days after the as-of date, so a full refresh and an incremental run give the same rows.
    On Spark it is a table rebuilt each run (macro incremental_materialized). -#}

{{ config(
    materialized=incremental_materialized(),
    incremental_strategy='salesmart_delete_insert',
    unique_key='opportunity_id',
    on_schema_change='fail',
    post_hook=[
        "{% if is_incremental() %}delete from {{ this }} where opportunity_id not in (select opportunity_id from "
            ~ "{{ ref('int_opportunities') }}) or date_day > (select as_of_date from "
            ~ "{{ ref('int_reporting_bounds') }}){% endif %}",
    ],
) }}

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

state_intervals as (
    select * from {{ ref('int_opportunity_state_intervals') }}
),

calendar_days as (
    select * from {{ ref('int_calendar_days') }}
),

bounds as (
    select * from {{ ref('int_reporting_bounds') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

stg_opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

opportunity_history as (
    select * from {{ ref('stg_crm__opportunity_history') }}
),

line_items as (
    select * from {{ ref('stg_crm__opportunity_line_items') }}
),

products as (
    select * from {{ ref('stg_crm__products') }}
),

fx_rates as (
    select * from {{ ref('stg_crm__fx_rates') }}
),

-- the highest _file_id of every input this model reads, stored on each row as the next run's watermark
input_file_ids as (
    select _file_id from stg_opportunities
    union all
    select _file_id from opportunity_history
    union all
    select _file_id from line_items
    union all
    select _file_id from products
    union all
    select _file_id from fx_rates
),

current_watermark as (
    select coalesce(max(_file_id), 0) as watermark_file_id
    from input_file_ids
),

-- noqa: disable=LT02
{% if is_incremental() %}
-- a new rate or product row can change any opportunity's amount or family
reference_file_ids as (
    select max(_file_id) as max_file_id
    from (
        select _file_id from fx_rates
        union all
        select _file_id from products
    ) as reference_rows
),

previous_build as (
    select
        coalesce(max(_watermark_file_id), -1) as watermark_file_id,
        coalesce(max(date_day), cast('1900-01-01' as date)) as max_date_day
    from {{ this }}
),

affected_opportunities as (
    select stg_opportunities.opportunity_id
    from stg_opportunities
    cross join previous_build
    where stg_opportunities._file_id > previous_build.watermark_file_id
    union
    select opportunity_history.opportunity_id
    from opportunity_history
    cross join previous_build
    where opportunity_history._file_id > previous_build.watermark_file_id
    union
    select line_items.opportunity_id
    from line_items
    cross join previous_build
    where line_items._file_id > previous_build.watermark_file_id
    union
    -- open after the last day built: its new days are needed
    select state_intervals.opportunity_id
    from state_intervals
    cross join previous_build
    where
        state_intervals.is_open
        and state_intervals.valid_to > {{ reporting_day_start_at(add_days('previous_build.max_date_day', '1')) }}
    union
    select opportunities.opportunity_id
    from opportunities
    cross join previous_build
    cross join reference_file_ids
    where reference_file_ids.max_file_id > previous_build.watermark_file_id
),
{% else %}
affected_opportunities as (
    select opportunities.opportunity_id
    from opportunities
),
{% endif %}
-- noqa: enable=LT02

days as (
    select
        calendar_days.date_day,
        {{ reporting_day_start_at(add_days('calendar_days.date_day', '1')) }} as day_end_at
    from calendar_days
    cross join bounds
    where
        calendar_days.date_day >= bounds.first_event_date
        and calendar_days.date_day <= bounds.as_of_date
),

line_amounts as (
    select
        line_items.opportunity_id,
        coalesce(products.product_family, 'unknown') as product_family,
        -- each line rounded once to decimal(38, 8), so the sum (and the ranking below) is exact
        sum(
            cast(
                line_items.quantity * line_items.unit_price * (1 - coalesce(line_items.discount_pct, 0) / 100)
                as decimal(38, 8)
            )
        ) as line_amount
    from line_items
    left join products
        on line_items.product_id = products.product_id
    where not line_items.is_deleted
    group by line_items.opportunity_id, coalesce(products.product_family, 'unknown')
),

-- the family with the largest amount; ties go to the first family name
dominant_families as (
    select
        opportunity_id,
        product_family,
        row_number() over (
            partition by opportunity_id
            order by line_amount desc, product_family asc
        ) as family_rank
    from line_amounts
),

open_days as (
    select
        days.date_day,
        state_intervals.opportunity_id,
        state_intervals.stage_name,
        state_intervals.amount,
        state_intervals.currency_code,
        state_intervals.close_date
    from days
    inner join state_intervals
        -- state at the day's last instant
        on
            days.day_end_at > state_intervals.valid_from
            and days.day_end_at <= state_intervals.valid_to
    where
        state_intervals.is_open
        and state_intervals.opportunity_id in (
            select affected_opportunities.opportunity_id from affected_opportunities
        )
),

final as (
    select
        open_days.opportunity_id,
        open_days.date_day,
        open_days.stage_name,
        opportunities.owner_user_id,
        opportunities.source_relation,
        open_days.close_date as expected_close_date,
        coalesce(dominant_families.product_family, 'unknown') as product_family,
        open_days.amount,
        open_days.currency_code,
        fx_rates_daily.rate_to_reporting,
        {{ reporting_amount('open_days.amount', 'fx_rates_daily.rate_to_reporting') }} as amount_reporting,
        current_watermark.watermark_file_id as _watermark_file_id
    from open_days
    inner join opportunities
        on open_days.opportunity_id = opportunities.opportunity_id
    left join dominant_families
        on
            open_days.opportunity_id = dominant_families.opportunity_id
            and dominant_families.family_rank = 1
    left join fx_rates_daily
        on
            open_days.currency_code = fx_rates_daily.currency_code
            and open_days.date_day = fx_rates_daily.rate_date
    cross join current_watermark
)

select * from final
