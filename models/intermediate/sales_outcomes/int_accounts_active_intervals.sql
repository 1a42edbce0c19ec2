{#- Customer active days as intervals: per account, the maximal runs of days covered by at least one
    subscription (start_date <= day <= coalesce(end_date, infinity)). Overlapping or adjacent subscriptions
    merge into one interval. An account is active on day d when an interval has
    active_from <= d and (active_to is null or d <= active_to). Deleted accounts drop out. -#}

with

subscriptions as (
    select * from {{ ref('stg_crm__subscriptions') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

live_subscriptions as (
    select
        subscriptions.account_id,
        subscriptions.source_relation,
        subscriptions.start_date,
        subscriptions.end_date
    from subscriptions
    left join accounts
        on subscriptions.account_id = accounts.account_id
    where
        not coalesce(accounts.is_deleted, false)
        and (subscriptions.end_date is null or subscriptions.end_date >= subscriptions.start_date)
),

with_prior_reach as (
    select
        account_id,
        source_relation,
        start_date,
        end_date,
        -- furthest day covered by the earlier subscriptions of the account; null-end = open-ended
        max(coalesce(end_date, cast('9999-12-31' as date))) over (
            partition by account_id
            order by start_date, coalesce(end_date, cast('9999-12-31' as date))
            rows between unbounded preceding and 1 preceding
        ) as prior_reach
    from live_subscriptions
),

islands as (
    select
        account_id,
        source_relation,
        start_date,
        end_date,
        sum(
            case when prior_reach is null or start_date > {{ add_days('prior_reach', '1') }} then 1 else 0 end
        ) over (
            partition by account_id
            order by start_date, coalesce(end_date, cast('9999-12-31' as date))
            rows between unbounded preceding and current row
        ) as island_number
    from with_prior_reach
),

merged as (
    select
        account_id,
        source_relation,
        island_number,
        min(start_date) as active_from,
        max(coalesce(end_date, cast('9999-12-31' as date))) as reach
    from islands
    group by
        account_id,
        source_relation,
        island_number
),

final as (
    select
        account_id,
        source_relation,
        active_from,
        case when reach < cast('9999-12-31' as date) then reach end as active_to
    from merged
)

select * from final
