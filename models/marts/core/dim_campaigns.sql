-- Marketing campaigns with whether they ran ads (click_to_lead_rate counts their leads).
with

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

ad_performance as (
    select * from {{ ref('stg_marketing__ad_performance_daily') }}
),

ad_campaigns as (
    select distinct campaign_id
    from ad_performance
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.source_relation,
        campaigns.start_date,
        campaigns.end_date,
        ad_campaigns.campaign_id is not null as has_ad_performance
    from campaigns
    left join ad_campaigns
        on campaigns.campaign_id = ad_campaigns.campaign_id
)

select * from final
