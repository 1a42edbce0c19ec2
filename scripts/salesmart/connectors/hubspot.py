"""Demo data in HubSpot's shape: the contract generator's CRM tables rewritten as Fivetran's HubSpot
connector writes them (spec/connectors/hubspot.yml), for `salesmart generate --crm-format hubspot`.

Each contract extract file `<landing>/crm/<table>/<name>.csv` becomes files of the same name under
`<landing>/hubspot/<hubspot table>/`, so extract order, versions (one row per version, the connector's
modified timestamp) and delete markers carry over. Ids stay the contract ids; timestamps are written in UTC
with a `Z`; picklist values are the HubSpot values the adapter's seeds (seeds/crm_stage_map.csv,
seeds/hubspot_property_values.csv) map back, so the two shapes hold the same business data.

Replaced: accounts, contacts, opportunities, opportunity_history, activities. Kept as contract files:
users (HubSpot owners carry no role, manager, team, territory or HR employee id; the adapter reads those from
crm/users, and owner is written beside it) and every table HubSpot has no object for (docs/sources.md).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from salesmart.config import project_root

# Contract CRM table -> the HubSpot table whose landing folder carries it (macro hubspot_contract_tables()).
FEEDS = {
    "users": "owner",
    "accounts": "company",
    "contacts": "contact",
    "opportunities": "deal",
    "opportunity_history": "deal_stage",
    "activities": "engagement",
}
# The contract folders the conversion replaces (users stays: owners lack role, team, manager, employee id).
REPLACED_TABLES = ("accounts", "contacts", "opportunities", "opportunity_history", "activities")
PIPELINE_ID = "default"


def _utc(column: str) -> str:
    """A contract timestamp (maybe with an offset) as the connector writes it: UTC, ISO, `Z`."""
    return f"strftime(cast(cast({column} as timestamptz) as timestamp), '%Y-%m-%dT%H:%M:%SZ')"


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (project_root() / "seeds" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _reverse_values() -> dict[str, dict[str, str]]:
    """contract value -> HubSpot value per property: the first seed row naming it (the seeds are the one
    mapping; several HubSpot values may map to one contract value)."""
    reverse: dict[str, dict[str, str]] = {"stage": {}}
    for row in _seed_rows("crm_stage_map.csv"):
        if row["crm_source"] == "hubspot":
            reverse["stage"].setdefault(row["stage_name"], row["crm_stage"])
    for row in _seed_rows("hubspot_property_values.csv"):
        if row["contract_value"]:
            reverse.setdefault(row["property"], {}).setdefault(row["contract_value"], row["hubspot_value"])
    return reverse


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in mapping.items())
    return f"case {column} {whens} end"


def _read(path: Path) -> str:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    options = "" if path.suffix == ".parquet" else ", all_varchar = true, header = true"
    return f"{reader}('{path.as_posix()}'{options})"


def _history_stage_entries(con: duckdb.DuckDBPyConnection, crm: Path) -> None:
    """View `stage_entries`: the contract history rows whose stage differs from the previous row of the
    deal (deal_stage records entries into a stage, not every save)."""
    files = sorted((crm / "opportunity_history").glob("*.*"))
    parts = [f"select *, '{f.name}' as _file from {_read(f)}" for f in files]
    con.execute(
        f"""
        create or replace temp view stage_entries as
        select * from (
            select
                *,
                lag(stage_name) over (
                    partition by opportunity_id
                    order by cast(changed_at as timestamptz), history_id
                ) as previous_stage
            from ({" union all ".join(parts)})
        )
        where previous_stage is distinct from stage_name
        """
    )


def _queries(source: str, table: str, values: dict[str, dict[str, str]], file_name: str) -> dict[str, str]:
    """HubSpot table -> select over one contract extract file `source` of `table`."""
    if table == "accounts":
        return {
            "company": f"""
                select
                    account_id as id,
                    is_deleted,
                    account_name as property_name,
                    upper(industry) as property_industry,
                    segment as property_segment,
                    employee_count as property_numberofemployees,
                    billing_country as property_country,
                    territory_id as property_territory_id,
                    owner_user_id as property_hubspot_owner_id,
                    {_utc("created_at")} as property_createdate,
                    {_utc("updated_at")} as property_hs_lastmodifieddate
                from {source}
            """,
        }
    if table == "contacts":
        return {
            "contact": f"""
                select
                    contact_id as id,
                    is_deleted as _fivetran_deleted,
                    account_id as property_associatedcompanyid,
                    first_name as property_firstname,
                    last_name as property_lastname,
                    email as property_email,
                    phone as property_phone,
                    title as property_jobtitle,
                    persona as property_hs_persona,
                    {_utc("created_at")} as property_createdate,
                    {_utc("updated_at")} as property_lastmodifieddate
                from {source}
            """,
        }
    if table == "opportunities":
        # closedate: the actual close time once closed, the expected close date (midnight UTC) while open
        closedate = f"case when is_closed = 'true' then {_utc('closed_at')} else close_date || 'T00:00:00Z' end"
        return {
            "deal": f"""
                select
                    opportunity_id as deal_id,
                    is_deleted,
                    '{PIPELINE_ID}' as deal_pipeline_id,
                    {_case("stage_name", values["stage"])} as deal_pipeline_stage_id,
                    owner_user_id as owner_id,
                    opportunity_name as property_dealname,
                    {_case("opportunity_type", values["dealtype"])} as property_dealtype,
                    amount as property_amount,
                    currency_code as property_deal_currency_code,
                    {closedate} as property_closedate,
                    lost_reason as property_closed_lost_reason,
                    lead_id as property_lead_id,
                    {_utc("created_at")} as property_createdate,
                    {_utc("updated_at")} as property_hs_lastmodifieddate
                from {source}
            """,
            # sorted: `select distinct` leaves rows in hash order, which varies from run to run
            "deal_company": f"""
                select distinct opportunity_id as deal_id, account_id as company_id, 5 as type_id
                from {source}
                order by deal_id, company_id
            """,
        }
    if table == "opportunity_history":
        return {
            "deal_stage": f"""
                select
                    opportunity_id as deal_id,
                    {_case("stage_name", values["stage"])} as value,
                    {_utc("changed_at")} as date_entered,
                    'CRM_UI' as source,
                    changed_by_user_id as source_id
                from stage_entries
                where _file = '{file_name}'
                order by cast(changed_at as timestamptz), history_id
            """,
            # every save sets amount and closedate, so each contract history row is a point of change
            "deal_property_history": f"""
                select deal_id, name, value, timestamp, source, source_id
                from (
                    select
                        opportunity_id as deal_id,
                        unnest(['amount', 'closedate']) as name,
                        unnest([amount, close_date || 'T00:00:00Z']) as value,
                        {_utc("changed_at")} as timestamp,
                        'CRM_UI' as source,
                        changed_by_user_id as source_id,
                        cast(changed_at as timestamptz) as _at,
                        history_id
                    from {source}
                )
                order by _at, history_id, name
            """,
        }
    if table == "activities":
        engagement_type = {"call": "CALL", "meeting": "MEETING", "demo": "MEETING", "task": "TASK", "proposal": "TASK"}
        synced = _utc("updated_at")
        associations = {
            "engagement_contact": "contact_id",
            "engagement_company": "account_id",
            "engagement_deal": "opportunity_id",
            "engagement_lead": "lead_id",
        }
        queries = {
            "engagement": f"""
                select
                    activity_id as id,
                    {_case("activity_type", engagement_type)} as type,
                    {_case("activity_type", values["engagement_activity_type"])} as activity_type,
                    owner_user_id as owner_id,
                    {_utc("activity_at")} as timestamp,
                    {_utc("created_at")} as created_at,
                    {_utc("updated_at")} as last_updated,
                    is_deleted as _fivetran_deleted,
                    {synced} as _fivetran_synced
                from {source}
            """,
            "engagement_call": f"""
                select
                    activity_id as engagement_id,
                    {_case("call_outcome", values["call_disposition"])} as disposition,
                    cast(duration_seconds as bigint) * 1000 as duration_milliseconds,
                    'COMPLETED' as status,
                    {synced} as _fivetran_synced
                from {source}
                where activity_type = 'call'
            """,
            "engagement_meeting": f"""
                select
                    activity_id as engagement_id,
                    {_utc("activity_at")} as start_time,
                    strftime(
                        cast(cast(activity_at as timestamptz) as timestamp)
                        + to_seconds(cast(duration_seconds as bigint)),
                        '%Y-%m-%dT%H:%M:%SZ'
                    ) as end_time,
                    {_case("meeting_status", values["meeting_outcome"])} as meeting_outcome,
                    {synced} as _fivetran_synced
                from {source}
                where activity_type in ('meeting', 'demo')
            """,
        }
        # sorted: `select distinct` leaves rows in hash order, which varies from run to run
        for hubspot_table, column in associations.items():
            target = hubspot_table.removeprefix("engagement_") + "_id"
            queries[hubspot_table] = f"""
                select distinct activity_id as engagement_id, {column} as {target}
                from {source}
                where {column} is not null
                order by engagement_id, {target}
            """
        return queries
    raise ValueError(f"no HubSpot shape for contract table crm.{table}")


def _owner_query(source: str) -> str:
    return f"""
        select
            user_id as owner_id,
            email,
            split_part(full_name, ' ', 1) as first_name,
            nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '') as last_name,
            is_active,
            {_utc("created_at")} as created_at,
            {_utc("updated_at")} as updated_at
        from {source}
    """


def _write(con: duckdb.DuckDBPyConnection, query: str, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"create or replace temp table _out as {query}")
    con.execute(f"copy _out to '{out.as_posix()}' (header, delimiter ',')")
    return con.execute("select count(*) from _out").fetchone()[0]


def convert_landing(landing: Path, counts: dict[str, int]) -> dict[str, int]:
    """Write `<landing>/hubspot/` from the contract CRM files, remove the replaced crm folders; new counts."""
    crm = landing / "crm"
    out_root = landing / "hubspot"
    shutil.rmtree(out_root, ignore_errors=True)
    values = _reverse_values()
    written: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        _history_stage_entries(con, crm)
        for path in sorted((crm / "users").glob("*.*")):
            written["owner"] = written.get("owner", 0) + _write(
                con, _owner_query(_read(path)), out_root / "owner" / f"{path.stem}.csv"
            )
        for table in REPLACED_TABLES:
            for path in sorted((crm / table).glob("*.*")):
                for hubspot_table, query in _queries(_read(path), table, values, path.name).items():
                    rows = _write(con, query, out_root / hubspot_table / f"{path.stem}.csv")
                    written[hubspot_table] = written.get(hubspot_table, 0) + rows
    finally:
        con.close()
    for table in REPLACED_TABLES:
        shutil.rmtree(crm / table)
    replaced = {f"crm.{table}" for table in REPLACED_TABLES}
    kept = {key: n for key, n in counts.items() if key not in replaced}
    return dict(sorted({**kept, **{f"hubspot.{t}": n for t, n in written.items()}}.items()))
