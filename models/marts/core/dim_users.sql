-- Conformed CRM user dimension: every CRM user (sales reps, SDRs, managers, marketing, other) with role,
-- team and HR employee_id; no names or emails. The KPI families read a user's team here (SDRs own activities,
-- e-mails and leads too); dim_reps is its sales_rep rows.
with

users as (
    select * from {{ ref('stg_crm__users') }}
),

final as (
    select
        user_id,
        employee_id,
        role,
        team,
        territory_id,
        manager_user_id,
        source_relation,
        is_active
    from users
)

select * from final
