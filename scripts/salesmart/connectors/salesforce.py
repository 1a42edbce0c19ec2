"""The generated contract CRM tables rewritten as Fivetran's Salesforce connector writes them.

Ids stay the contract's (a Salesforce id is any string to the mapping, and the rep dimension value must be
the Salesforce user id), so both shapes of one generated data set give the same KPIs. Picklists carry
Salesforce labels (`New Business`, Salesforce's default stage and lead-status picklists, `Call` task
subtype, `Activated` orders), custom fields the `<name>_c` columns the adapter's default vars name, and
timestamps stay UTC. Each contract file becomes a Salesforce file of the same name and format, so the
monthly files keep their versions (SystemModstamp = updated_at).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

# Contract CRM table -> the Salesforce table whose landing folder carries it (as the dbt macro
# salesforce_contract_tables() lists them; activities come from task and event).
FEEDS: dict[str, str] = {
    "users": "user",
    "accounts": "account",
    "contacts": "contact",
    "leads": "lead",
    "opportunities": "opportunity",
    "opportunity_history": "opportunity_history",
    "products": "product_2",
    "opportunity_line_items": "opportunity_line_item",
    "orders": "order",
    "order_lines": "order_item",
    "activities": "task",
    "support_tickets": "case",
    "quotas": "forecasting_quota",
    "fx_rates": "dated_conversion_rate",
}

# The contract's stages as Salesforce's default opportunity stage picklist (seeds/crm_stage_map.csv).
STAGE_LABELS = {
    "prospecting": "Prospecting",
    "qualification": "Qualification",
    "discovery": "Needs Analysis",
    "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review",
    "closed_won": "Closed Won",
    "closed_lost": "Closed Lost",
}
# Salesforce's default lead statuses where one fits (var salesforce_lead_status_map), else a custom label.
LEAD_STATUS_LABELS = {
    "new": "Open - Not Contacted",
    "working": "Working - Contacted",
    "nurturing": "Nurturing",
    "disqualified": "Closed - Not Converted",
    "converted": "Closed - Converted",
}
CASE_TYPE_LABELS = {"complaint": "Complaint", "question": "Question", "incident": "Problem"}


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"when '{value}' then '{label}'" for value, label in labels.items())
    return f"case {column} {whens} end"


def _label(column: str) -> str:
    """A snake_case contract value as a picklist label: 'new_business' -> 'New Business', 'smb' -> 'Smb'."""
    words = f"list_transform(string_split({column}, '_'), lambda w: upper(w[1]) || w[2:])"
    return f"list_aggregate({words}, 'string_agg', ' ')"


def _ts(column: str) -> str:
    """A contract timestamp (maybe with an offset) as UTC."""
    return f"cast(cast({column} as timestamptz) as timestamp)"


# Salesforce table -> (contract table it is made from, select over `src`: one contract file's rows, all VARCHAR).
TABLES: dict[str, tuple[str, str]] = {
    "user": (
        "users",
        f"""select user_id as id, full_name as name, email, 'role_' || role as user_role_id,
            manager_user_id as manager_id, employee_id as employee_number, team as department,
            territory_id as territory_c, is_active, {_ts("created_at")} as created_date,
            {_ts("updated_at")} as system_modstamp""",
    ),
    # `select distinct` leaves rows in hash order, which varies from run to run: those queries sort.
    "user_role": (
        "users",
        f"""select distinct 'role_' || role as id,
            case role when 'sdr' then 'SDR' else {_label("role")} end as name
        from src
        order by id""",
    ),
    "account": (
        "accounts",
        f"""select account_id as id, account_name as name, {_label("industry")} as industry,
            case segment when 'smb' then 'SMB' when 'mid_market' then 'Mid-Market' else {_label("segment")} end
                as segment_c,
            employee_count as number_of_employees, billing_country, territory_id as territory_c,
            owner_user_id as owner_id, {_ts("created_at")} as created_date, {_ts("updated_at")} as system_modstamp,
            is_deleted""",
    ),
    "contact": (
        "contacts",
        f"""select contact_id as id, account_id, first_name, last_name, email, phone, title,
            {_label("persona")} as persona_c, {_ts("created_at")} as created_date,
            {_ts("updated_at")} as system_modstamp, is_deleted""",
    ),
    "lead": (
        "leads",
        f"""select lead_id as id, {_ts("created_at")} as created_date, {_label("source_channel")} as lead_source,
            owner_user_id as owner_id, email, company_name as company, {_label("persona")} as persona_c,
            {_case("status", LEAD_STATUS_LABELS)} as status, {_ts("mql_at")} as mql_date_c,
            {_ts("sql_at")} as sql_date_c, converted_at is not null as is_converted,
            {_ts("converted_at")} as converted_date, converted_account_id, converted_contact_id,
            converted_opportunity_id, {_ts("updated_at")} as system_modstamp, is_deleted""",
    ),
    "campaign_member": (
        "leads",
        f"""select distinct 'cm_' || lead_id || '_' || campaign_id as id, campaign_id, lead_id,
            cast(null as varchar) as contact_id, {_ts("created_at")} as created_date,
            {_ts("created_at")} as system_modstamp, false as is_deleted
        from src where campaign_id is not null
        order by id""",
    ),
    "opportunity": (
        "opportunities",
        f"""select opportunity_id as id, account_id, owner_user_id as owner_id, opportunity_name as name,
            {_label("opportunity_type")} as type, {_case("stage_name", STAGE_LABELS)} as stage_name, amount,
            currency_code as currency_iso_code, close_date, is_closed, is_won,
            {_label("lost_reason")} as loss_reason_c, {_ts("created_at")} as created_date,
            {_ts("updated_at")} as system_modstamp, is_deleted""",
    ),
    "opportunity_history": (
        "opportunity_history",
        f"""select history_id as id, opportunity_id, {_case("stage_name", STAGE_LABELS)} as stage_name, amount,
            close_date, {_ts("changed_at")} as created_date, changed_by_user_id as created_by_id,
            false as is_deleted""",
    ),
    "product_2": (
        "products",
        f"""select product_id as id, product_name as name,
            case product_family when 'add_on' then 'Add-On' else {_label("product_family")} end as family,
            list_price as list_price_c, currency_code as currency_iso_code, is_active,
            {_ts("updated_at")} as system_modstamp, false as is_deleted""",
    ),
    "opportunity_line_item": (
        "opportunity_line_items",
        f"""select line_item_id as id, opportunity_id, product_id as product_2_id, quantity, unit_price,
            discount_pct as discount, {_ts("updated_at")} as system_modstamp, is_deleted""",
    ),
    "order": (
        "orders",
        f"""select order_id as id, account_id, opportunity_id, order_date as effective_date,
            currency_code as currency_iso_code,
            case status when 'booked' then 'Activated' else 'Cancelled' end as status,
            case status when 'booked' then 'Activated' else 'Cancelled' end as status_code,
            {_ts("updated_at")} as system_modstamp, false as is_deleted""",
    ),
    "order_item": (
        "order_lines",
        f"""select order_line_id as id, order_id, product_id as product_2_id, quantity, unit_price,
            discount_amount as discount_c, unit_cost as unit_cost_c, {_ts("updated_at")} as system_modstamp,
            false as is_deleted""",
    ),
    # Calls, proposals and other tasks are Tasks; what_id is the opportunity, who_id the contact or lead.
    "task": (
        "activities",
        f"""select activity_id as id,
            case activity_type when 'call' then 'Call' else 'Task' end as task_subtype,
            case activity_type when 'call' then 'Call' when 'proposal' then 'Proposal' else 'Other' end as type,
            owner_user_id as owner_id, coalesce(contact_id, lead_id) as who_id, opportunity_id as what_id,
            account_id, cast({_ts("activity_at")} as date) as activity_date,
            {_ts("activity_at")} as completed_date_time, duration_seconds as call_duration_in_seconds,
            {_label("call_outcome")} as call_disposition, 'Completed' as status,
            {_ts("created_at")} as created_date, {_ts("updated_at")} as system_modstamp, is_deleted
        from src where activity_type in ('call', 'proposal', 'task')""",
    ),
    # Meetings and demos are Events (DurationInMinutes; the generator's meeting lengths are whole minutes).
    "event": (
        "activities",
        f"""select activity_id as id, {_label("activity_type")} as type, owner_user_id as owner_id,
            coalesce(contact_id, lead_id) as who_id, opportunity_id as what_id, account_id,
            {_ts("activity_at")} as start_date_time, cast(duration_seconds as bigint) // 60 as duration_in_minutes,
            {_label("meeting_status")} as meeting_status_c, {_ts("created_at")} as created_date,
            {_ts("updated_at")} as system_modstamp, is_deleted
        from src where activity_type in ('meeting', 'demo')""",
    ),
    "case": (
        "support_tickets",
        f"""select ticket_id as id, account_id, {_case("category", CASE_TYPE_LABELS)} as type,
            {_ts("opened_at")} as created_date, {_ts("closed_at")} as closed_date,
            {_ts("updated_at")} as system_modstamp, false as is_deleted""",
    ),
    "forecasting_quota": (
        "quotas",
        f"""select 'fq_' || user_id || '_' || period_month as id, user_id as quota_owner_id,
            period_month as start_date, quota_amount, {_ts("updated_at")} as system_modstamp,
            false as is_deleted""",
    ),
    # Units of the currency per unit of the corporate (= reporting) currency, one rate per day.
    "dated_conversion_rate": (
        "fx_rates",
        """select 'dcr_' || currency_code || '_' || rate_date as id, currency_code as iso_code,
            1 / cast(rate_to_reporting as double) as conversion_rate, rate_date as start_date,
            cast(cast(rate_date as date) + 1 as date) as next_start_date""",
    ),
}


def _select(sql: str) -> str:
    return sql if " from src" in sql else f"{sql} from src"


def _reader(path: Path) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true, all_varchar = true)"


def convert_landing(landing: Path, counts: dict[str, int]) -> dict[str, int]:
    """Write <landing>/salesforce/<table>/ from the contract files of the tables Salesforce feeds, remove
    those crm/ folders and return `counts` with the Salesforce tables instead of the replaced ones."""
    counts = dict(counts)
    # written beside the landing's systems and renamed when complete: a failure leaves the contract files
    staging = landing / ".salesforce-converting"
    shutil.rmtree(staging, ignore_errors=True)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for sf_table, (contract_table, sql) in TABLES.items():
            target = staging / sf_table
            target.mkdir(parents=True, exist_ok=True)
            written = 0
            for path in sorted((landing / "crm" / contract_table).iterdir()):
                if path.suffix not in (".csv", ".parquet"):
                    continue
                con.execute(f"create or replace temp view src as select * from {_reader(path)}")
                rows = con.execute(f"select count(*) from ({_select(sql)})").fetchone()[0]
                fmt = "parquet" if path.suffix == ".parquet" else "csv, header true"
                con.execute(f"copy ({_select(sql)}) to '{target / path.name}' (format {fmt})")
                written += rows
            counts[f"salesforce.{sf_table}"] = written
    finally:
        con.close()
    shutil.rmtree(landing / "salesforce", ignore_errors=True)
    staging.rename(landing / "salesforce")
    for contract_table in FEEDS:
        shutil.rmtree(landing / "crm" / contract_table)
        counts.pop(f"crm.{contract_table}", None)
    return counts
