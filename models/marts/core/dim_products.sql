{#- One row per CRM product. -#}

with

products as (
    select * from {{ ref('stg_crm__products') }}
),

final as (
    select
        product_id,
        product_name,
        product_family,
        list_price,
        currency_code,
        source_relation,
        is_active
    from products
)

select * from final
