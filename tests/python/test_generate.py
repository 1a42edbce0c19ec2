"""The demo-data generator: files per contract, joins, stage histories, orders, fx coverage, messiness,
determinism and linear volumes. Files are read back with DuckDB, independently of the generator's arrays."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest

from salesmart.contract import contract_tables, load_metric_catalog, opportunity_stages
from salesmart.generate import generate

SCALE = 0.02
MONTHS = 3
START = dt.date(2025, 1, 1)
# Small blocks, so that the tables generated in blocks (e-mails, activities, stage histories) have several
# here (about 12, 8 and 2) and every check below also checks how blocks join.
BLOCK_ROWS = 2_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("generated")
    counts = generate(out, scale=SCALE, seed=42, start=START, months=MONTHS, block_rows=BLOCK_ROWS)
    return out, counts


@pytest.fixture(scope="module")
def con(generated: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    """One view per table over all its files, every column as text, plus the file name."""
    out, _ = generated
    c = duckdb.connect()
    for table in contract_tables().values():
        folder = out / table.system / table.name
        files = sorted(folder.iterdir())
        if files[0].suffix == ".parquet":
            src = f"read_parquet('{folder}/*.parquet', filename = true)"
        else:
            src = f"read_csv('{folder}/*.csv', header = true, all_varchar = true, filename = true)"
        c.execute(f"create table {table.system}_{table.name} as select * from {src}")
    return c


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def _latest(table: str, key: str) -> str:
    """Latest version per key, the contract's rule: updated_at, then file name order."""
    return (
        f"(select * from {table} qualify row_number() over (partition by {key} "
        f"order by cast(updated_at as timestamptz) desc, filename desc) = 1)"
    )


def test_all_tables_written_with_rows(generated: tuple[Path, dict[str, int]], con) -> None:
    out, counts = generated
    contract = contract_tables()
    assert sorted(counts) == sorted(contract)
    for key, table in contract.items():
        rows = _one(con, f"select count(*) from {table.system}_{table.name}")
        assert rows == counts[key] > 0, key
        # every contract column, in contract order
        cols = [r[0] for r in con.execute(f"describe {table.system}_{table.name}").fetchall()]
        assert cols[: len(table.columns)] == table.column_names, key
    assert any(p.suffix == ".parquet" for p in (out / "email" / "events").iterdir())


def test_csv_values_follow_the_file_rules(generated, con) -> None:
    patterns = {
        "boolean": r"^(true|false)$",
        "date": r"^\d{4}-\d{2}-\d{2}$",
        "decimal": r"^-?\d+(\.\d+)?$",
        "integer": r"^-?\d+$",
        "timestamp": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)?$",
    }
    out, _ = generated
    for table in contract_tables().values():
        if not any((out / table.system / table.name).glob("*.csv")):
            continue
        for col in table.columns:
            if col.type in patterns:
                bad = _one(
                    con,
                    f"select count(*) from {table.system}_{table.name} "
                    f"where {col.name} is not null "
                    f"and not regexp_matches({col.name}, '{patterns[col.type]}')",
                )
                assert bad == 0, f"{table.system}.{table.name}.{col.name}"
            if col.accepted:
                accepted = ", ".join(f"'{v}'" for v in col.accepted)
                bad = _one(
                    con,
                    f"select count(*) from {table.system}_{table.name} "
                    f"where {col.name} is not null and {col.name} not in ({accepted})",
                )
                assert bad == 0, f"{table.system}.{table.name}.{col.name}"
            if col.required:
                nulls = _one(con, f"select count(*) from {table.system}_{table.name} where {col.name} is null")
                assert nulls == 0, f"{table.system}.{table.name}.{col.name}"


RELATIONSHIPS = [
    ("crm_users", "employee_id", "hr_employees", "employee_id"),
    ("crm_users", "manager_user_id", "crm_users", "user_id"),
    ("crm_users", "territory_id", "crm_territories", "territory_id"),
    ("crm_accounts", "owner_user_id", "crm_users", "user_id"),
    ("crm_accounts", "territory_id", "crm_territories", "territory_id"),
    ("crm_contacts", "account_id", "crm_accounts", "account_id"),
    ("crm_leads", "campaign_id", "marketing_campaigns", "campaign_id"),
    ("crm_leads", "owner_user_id", "crm_users", "user_id"),
    ("crm_leads", "converted_account_id", "crm_accounts", "account_id"),
    ("crm_leads", "converted_contact_id", "crm_contacts", "contact_id"),
    ("crm_leads", "converted_opportunity_id", "crm_opportunities", "opportunity_id"),
    ("crm_opportunities", "account_id", "crm_accounts", "account_id"),
    ("crm_opportunities", "owner_user_id", "crm_users", "user_id"),
    ("crm_opportunities", "lead_id", "crm_leads", "lead_id"),
    ("crm_opportunity_history", "opportunity_id", "crm_opportunities", "opportunity_id"),
    ("crm_opportunity_history", "changed_by_user_id", "crm_users", "user_id"),
    ("crm_opportunity_line_items", "opportunity_id", "crm_opportunities", "opportunity_id"),
    ("crm_opportunity_line_items", "product_id", "crm_products", "product_id"),
    ("crm_orders", "account_id", "crm_accounts", "account_id"),
    ("crm_orders", "opportunity_id", "crm_opportunities", "opportunity_id"),
    ("crm_order_lines", "order_id", "crm_orders", "order_id"),
    ("crm_order_lines", "product_id", "crm_products", "product_id"),
    ("crm_subscriptions", "account_id", "crm_accounts", "account_id"),
    ("crm_subscriptions", "product_id", "crm_products", "product_id"),
    ("crm_activities", "owner_user_id", "crm_users", "user_id"),
    ("crm_activities", "lead_id", "crm_leads", "lead_id"),
    ("crm_activities", "contact_id", "crm_contacts", "contact_id"),
    ("crm_activities", "account_id", "crm_accounts", "account_id"),
    ("crm_activities", "opportunity_id", "crm_opportunities", "opportunity_id"),
    ("crm_nps_responses", "account_id", "crm_accounts", "account_id"),
    ("crm_nps_responses", "contact_id", "crm_contacts", "contact_id"),
    ("crm_support_tickets", "account_id", "crm_accounts", "account_id"),
    ("crm_user_events", "user_id", "crm_users", "user_id"),
    ("crm_quotas", "user_id", "crm_users", "user_id"),
    ("crm_targets", "user_id", "crm_users", "user_id"),
    ("email_messages", "sender_user_id", "crm_users", "user_id"),
    ("email_messages", "campaign_id", "marketing_campaigns", "campaign_id"),
    ("email_messages", "lead_id", "crm_leads", "lead_id"),
    ("email_messages", "contact_id", "crm_contacts", "contact_id"),
    ("email_events", "message_id", "email_messages", "message_id"),
    ("marketing_ad_performance_daily", "campaign_id", "marketing_campaigns", "campaign_id"),
    ("marketing_costs", "campaign_id", "marketing_campaigns", "campaign_id"),
    ("marketing_social_engagements", "user_id", "crm_users", "user_id"),
    ("hr_employees", "manager_employee_id", "hr_employees", "employee_id"),
    ("hr_requisitions", "hired_employee_id", "hr_employees", "employee_id"),
    ("hr_applications", "requisition_id", "hr_requisitions", "requisition_id"),
    ("hr_training_enrollments", "employee_id", "hr_employees", "employee_id"),
    ("hr_training_enrollments", "course_id", "hr_training_courses", "course_id"),
    ("hr_time_entries", "employee_id", "hr_employees", "employee_id"),
    ("hr_time_entries", "requisition_id", "hr_requisitions", "requisition_id"),
]


@pytest.mark.parametrize(("child", "col", "parent", "key"), RELATIONSHIPS)
def test_ids_join(con, child: str, col: str, parent: str, key: str) -> None:
    orphans = _one(
        con,
        f"select count(*) from {child} where {col} is not null and {col} not in (select {key} from {parent})",
    )
    assert orphans == 0
    assert _one(con, f"select count({col}) from {child}") > 0


def test_people_and_targets(con) -> None:
    # every CRM seller is an employee of the sales department
    not_sales = _one(
        con,
        "select count(*) from crm_users as u join hr_employees as e using (employee_id) "
        "where u.role in ('sales_rep', 'sdr', 'sales_manager') and e.department <> 'sales'",
    )
    assert not_sales == 0
    assert _one(con, "select count(distinct user_id) from crm_users where role = 'sales_rep'") >= 15
    small_teams = _one(
        con,
        "select count(*) from (select team from crm_users where role = 'sales_rep' group by team having count(*) < 5)",
    )
    assert small_teams == 0
    assert _one(con, "select count(*) from hr_employees where termination_reason = 'voluntary'") > 0
    assert _one(con, "select count(*) from hr_employees where termination_reason = 'involuntary'") > 0
    metric_ids = set(load_metric_catalog()["metrics"])
    used = {r[0] for r in con.execute("select distinct metric_id from crm_targets").fetchall()}
    assert used and used <= metric_ids
    assert _one(con, "select count(*) from crm_targets where user_id is null") > 0
    assert _one(con, "select count(*) from crm_targets where user_id is not null") > 0


def test_stage_histories_are_valid_sequences(con) -> None:
    stages = opportunity_stages()
    order = {s: i for i, s in enumerate(stages["ordered"])}
    rows = con.execute(
        "select opportunity_id, stage_name from crm_opportunity_history "
        "order by opportunity_id, cast(changed_at as timestamptz), history_id"
    ).fetchall()
    by_opp: dict[str, list[str]] = {}
    for opp, stage in rows:
        by_opp.setdefault(opp, []).append(stage)
    skipped = reopened = 0
    for opp, seq in by_opp.items():
        closed_at = [i for i, s in enumerate(seq) if s in stages["closed"]]
        open_part = seq[: closed_at[0]] if closed_at else seq
        idx = [order[s] for s in open_part]
        assert idx and idx == sorted(set(idx)), (opp, seq)
        if seq[-1] not in stages["closed"] and closed_at:
            reopened += 1
            assert len(closed_at) == 1 and all(s in order for s in seq[closed_at[0] + 1 :]), (opp, seq)
        if closed_at and seq[closed_at[0]] == "closed_won":
            reached = set(open_part)
            skipped += not set(stages["required_for_process"]) <= reached
    assert skipped > 0
    assert reopened > 0
    # the latest opportunity version agrees with the end of its history
    latest = _latest("crm_opportunities", "opportunity_id")
    mismatches = _one(
        con,
        f"""
        with last_change as (
            select opportunity_id, arg_max(stage_name, cast(changed_at as timestamptz)) as stage_name
            from crm_opportunity_history group by opportunity_id
        )
        select count(*) from {latest} as o join last_change as h using (opportunity_id)
        where o.stage_name <> h.stage_name
            or (o.is_closed = 'true') <> (h.stage_name in ('closed_won', 'closed_lost'))
            or (o.is_closed = 'false' and o.closed_at is not null)
        """,
    )
    assert mismatches == 0


def test_won_deals_have_booked_orders(con) -> None:
    latest = _latest("crm_opportunities", "opportunity_id")
    won = _one(con, f"select count(*) from {latest} where is_won = 'true' and is_deleted = 'false'")
    assert won > 50
    missing = _one(
        con,
        f"""
        with orders as (
            select o.opportunity_id, min(cast(o.order_date as date)) as order_date,
                sum(cast(l.quantity as double) * cast(l.unit_price as double)
                    - coalesce(cast(l.discount_amount as double), 0)) as net
            from {_latest("crm_orders", "order_id")} as o join crm_order_lines as l using (order_id)
            where o.status = 'booked' and o.opportunity_id is not null
            group by o.opportunity_id
        )
        select count(*) from {latest} as w left join orders as o using (opportunity_id)
        where w.is_won = 'true' and w.is_deleted = 'false' and (
            o.opportunity_id is null
            or o.order_date - cast(cast(w.closed_at as timestamptz) as date) not between -1 and 7
            or abs(o.net / cast(w.amount as double) - 1) > 0.03
        )
        """,
    )
    assert missing == 0


def test_fx_covers_every_currency_and_day_used(con) -> None:
    used = """
        select currency_code, cast(cast(closed_at as timestamptz) as date) as d from crm_opportunities
            where closed_at is not null
        union select currency_code, cast(order_date as date) from crm_orders
        union select currency_code, cast(start_date as date) from crm_subscriptions
        union select currency_code, cast(performance_date as date) from marketing_ad_performance_daily
        union select currency_code, cast(cost_date as date) from marketing_costs
        union select currency_code, cast(cast(enrolled_at as timestamptz) as date)
            from hr_training_enrollments
    """
    missing = _one(
        con,
        f"select count(*) from ({used}) as u where u.currency_code <> 'USD' and not exists ("
        "select 1 from crm_fx_rates as f where f.currency_code = u.currency_code "
        "and cast(f.rate_date as date) = u.d)",
    )
    assert missing == 0
    currencies = {r[0] for r in con.execute(f"select distinct currency_code from ({used})").fetchall()}
    assert {"USD", "EUR", "GBP"} <= currencies


def test_messy_data_is_present(generated, con) -> None:
    out, _ = generated
    # an initial full extract plus monthly files, in name order = extract order
    names = sorted(p.name for p in (out / "crm" / "accounts").iterdir())
    assert names == ["2024-12-31.csv", "2025-01-31.csv", "2025-02-28.csv", "2025-03-31.csv"]
    overlap = _one(
        con,
        "select count(*) from (select opportunity_id from crm_opportunities group by all "
        "having count(distinct filename) > 1 and count(distinct stage_name) > 1)",
    )
    assert overlap > 0
    assert _one(con, "select count(*) from crm_opportunities where is_deleted = 'true'") > 0
    assert _one(con, "select count(*) from crm_activities where is_deleted = 'true'") > 0
    dups = _one(
        con,
        "select count(*) from (select event_id from email_events group by all having count(distinct filename) > 1)",
    )
    assert dups > 0
    with_offset = _one(
        con, "select count(*) from crm_activities where regexp_matches(activity_at, '[+-]\\d{2}:\\d{2}$')"
    )
    assert with_offset > 0
    # an offset can move the UTC day: e.g. 23:30-02:00 is the next day
    assert _one(con, "select count(distinct currency_code) from crm_opportunities") == 3


def test_realistic_rates(con) -> None:
    latest = _latest("crm_opportunities", "opportunity_id")
    win_rate = _one(
        con,
        f"select avg(case when is_won = 'true' then 1.0 else 0 end) from {latest} where is_closed = 'true'",
    )
    assert 0.15 <= win_rate <= 0.35
    connect = _one(
        con,
        "select avg(case when call_outcome = 'connected' then 1.0 else 0 end) from crm_activities "
        "where activity_type = 'call'",
    )
    assert 0.2 <= connect <= 0.4
    nps = _one(
        con,
        "select 100.0 * (count(*) filter (where cast(score as int) >= 9) "
        "- count(*) filter (where cast(score as int) <= 6)) / count(*) from crm_nps_responses",
    )
    assert -20 <= nps <= 70
    ctr = _one(
        con,
        "select sum(cast(clicks as double)) / sum(cast(impressions as double)) from marketing_ad_performance_daily",
    )
    assert 0.01 <= ctr <= 0.05
    selling = _one(
        con,
        "select sum(cast(hours as double)) / count(distinct (employee_id, work_date)) from hr_time_entries "
        "where category = 'selling'",
    )
    assert 4 <= selling <= 6
    categories = _one(con, "select count(distinct category) from hr_time_entries")
    assert categories == 8
    # meetings are booked within 14 days after a call or sales email to the same lead or contact
    attributed = _one(
        con,
        """
        select count(*) from crm_activities as m
        where m.activity_type = 'meeting' and exists (
            select 1 from crm_activities as c
            where c.activity_type = 'call'
                and (c.lead_id = m.lead_id or c.contact_id = m.contact_id)
                and cast(c.activity_at as timestamptz) < cast(m.created_at as timestamptz)
                and cast(c.activity_at as timestamptz) >= cast(m.created_at as timestamptz) - interval 14 days
        )
        """,
    )
    assert attributed > 0
    assert _one(con, "select count(*) from email_events where event_type = 'bounce'") > 0
    assert _one(con, "select count(*) from email_events where event_type = 'reply'") > 0
    ended = _one(con, "select count(distinct subscription_id) from crm_subscriptions where end_date is not null")
    assert ended > 0


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(generated, tmp_path: Path) -> None:
    out, counts = generated
    again = generate(tmp_path / "again", scale=SCALE, seed=42, start=START, months=MONTHS, block_rows=BLOCK_ROWS)
    assert again == counts
    assert _digest(tmp_path / "again") == _digest(out)


def test_volumes_grow_linearly(generated, tmp_path: Path) -> None:
    _, small = generated
    big = generate(tmp_path / "big", scale=2 * SCALE, seed=42, start=START, months=MONTHS, block_rows=BLOCK_ROWS)
    for key in ("crm.accounts", "crm.opportunities", "crm.activities", "email.events", "crm.leads"):
        assert 1.7 <= big[key] / small[key] <= 2.3, (key, small[key], big[key])


@pytest.mark.parametrize(
    ("table", "key", "at"),
    [
        ("email_messages", "message_id", "sent_at"),
        ("email_events", "event_id", "event_at"),
        ("crm_activities", "activity_id", "created_at"),
        ("crm_opportunity_history", "history_id", "changed_at"),
        ("crm_user_events", "event_id", "event_at"),
        ("hr_time_entries", "entry_id", "updated_at"),
    ],
)
def test_ids_run_on_across_blocks(con, table: str, key: str, at: str) -> None:
    """The tables generated in blocks number their rows 0 .. n-1 over all blocks, each id one record: its
    versions and repeats agree on when it happened."""
    ids, top, clashes = con.execute(
        f"""
        select count(*), max(n), count(*) filter (where times > 1) from (
            select {key}, max(cast(regexp_extract({key}, '\\d+$') as bigint)) as n,
                count(distinct cast({at} as timestamptz)) as times
            from {table} group by {key}
        )
        """
    ).fetchone()
    assert ids == top + 1 > BLOCK_ROWS
    assert clashes == 0


def test_a_failed_generation_leaves_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from salesmart.generate import Generator

    def fail(self) -> None:
        raise RuntimeError("HR stage failed")

    monkeypatch.setattr(Generator, "hr", fail)
    with pytest.raises(RuntimeError, match="HR stage failed"):
        generate(tmp_path, scale=0.002, seed=1, start=START, months=1)
    # the tables written before HR stay in the hidden part folder, which goes too
    assert list(tmp_path.rglob("*")) == []


def test_writer_joins_calls_and_slices_in_call_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two calls of three rows each, written in slices of two rows: one file per extract, CSV and Parquet,
    rows in the order written, the CSV header once."""
    from salesmart.generate import writer
    from salesmart.generate.writer import Cat, Ids, LandingWriter, epoch_seconds

    monkeypatch.setattr(writer, "WRITE_ROWS", 2)
    w = LandingWriter(tmp_path, dt.date(2025, 3, 1), 2)
    t_mar, t_apr = epoch_seconds(dt.date(2025, 3, 10)), epoch_seconds(dt.date(2025, 4, 10))
    for first in (0, 3):
        ids = np.arange(first, first + 3)
        at = np.array([t_mar, t_apr, t_mar]) + 60 * ids
        kind = Cat(("login", "record_update"), ids % 2)
        w.write(
            "crm.user_events",
            {"event_id": Ids("uev_", ids), "user_id": Ids("usr_", ids), "event_type": kind, "event_at": at},
            w.file_index(at),
        )
        parquet = {"event_id": Ids("eve_", ids), "message_id": Ids("msg_", ids), "event_type": kind, "event_at": at}
        w.write("email.events", parquet, w.file_index(at), fmt="parquet")
    w.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm", "email"]  # no part folder left
    assert (tmp_path / "crm" / "user_events" / "2025-03-31.csv").read_text() == (
        "event_id,user_id,event_type,event_at\n"
        "uev_0,usr_0,login,2025-03-10T00:00:00\n"
        "uev_2,usr_2,login,2025-03-10T00:02:00\n"
        "uev_3,usr_3,record_update,2025-03-10T00:03:00\n"
        "uev_5,usr_5,record_update,2025-03-10T00:05:00\n"
    )
    assert (tmp_path / "crm" / "user_events" / "2025-04-30.csv").read_text() == (
        "event_id,user_id,event_type,event_at\n"
        "uev_1,usr_1,record_update,2025-04-10T00:01:00\n"
        "uev_4,usr_4,login,2025-04-10T00:04:00\n"
    )
    events = tmp_path / "email" / "events"
    assert sorted(p.name for p in events.iterdir()) == ["2025-03-31.parquet", "2025-04-30.parquet"]
    rows = duckdb.sql(
        f"select event_id, event_type, event_at from read_parquet('{events}/2025-03-31.parquet')"
    ).fetchall()
    assert rows == [
        ("eve_0", "login", dt.datetime(2025, 3, 10, 0, 0)),
        ("eve_2", "login", dt.datetime(2025, 3, 10, 0, 2)),
        ("eve_3", "record_update", dt.datetime(2025, 3, 10, 0, 3)),
        ("eve_5", "record_update", dt.datetime(2025, 3, 10, 0, 5)),
    ]
    assert w.counts == {"crm.user_events": 6, "email.events": 6}


def test_writer_formats_values_and_splits_extract_files(tmp_path: Path) -> None:
    """Three hand-made quota rows and NPS rows: exact file names and text."""
    from salesmart.generate.writer import Ids, LandingWriter, epoch_seconds

    w = LandingWriter(tmp_path, dt.date(2025, 3, 1), 2)
    t_feb = epoch_seconds(dt.date(2025, 2, 20))  # before the window: initial extract
    t_apr = epoch_seconds(dt.date(2025, 4, 1)) + 5_400  # 2025-04-01 01:30 UTC: April file
    upd = np.array([t_feb, t_apr, t_apr + 60], dtype="int64")
    w.write(
        "crm.nps_responses",
        {
            "response_id": Ids("nps_", np.array([1, 2, 3])),
            "account_id": Ids("acc_", np.array([7, -1, 8])),
            "contact_id": Ids("con_", np.array([-1, -1, -1])),
            "score": np.array([9, 0, 10]),
            "responded_at": upd,
            "comment": np.array(['said "ok", thanks', "", "x"], dtype=object),
        },
        w.file_index(upd),
        offsets=np.array([0, -120, 330], dtype="int32"),
    )
    w.write(
        "crm.quotas",
        {
            "user_id": Ids("usr_", np.array([3])),
            "period_month": np.array([epoch_seconds(dt.date(2025, 3, 1))]),
            "quota_amount": np.array([1234.5]),
            "updated_at": np.array([epoch_seconds(dt.date(2025, 3, 2))]),
        },
        w.file_index(np.array([epoch_seconds(dt.date(2025, 3, 2))])),
    )
    w.close()
    folder = tmp_path / "crm" / "nps_responses"
    assert sorted(p.name for p in folder.iterdir()) == ["2025-02-28.csv", "2025-04-30.csv"]
    assert (folder / "2025-02-28.csv").read_text() == (
        "response_id,account_id,contact_id,score,responded_at,comment\n"
        'nps_1,acc_7,,9,2025-02-20T00:00:00,"said ""ok"", thanks"\n'
    )
    # -02:00 puts 01:30 UTC on the previous local day; +05:30 moves it forward
    assert (folder / "2025-04-30.csv").read_text() == (
        "response_id,account_id,contact_id,score,responded_at,comment\n"
        'nps_2,,,0,2025-03-31T23:30:00-02:00,""\n'
        "nps_3,acc_8,,10,2025-04-01T07:01:00+05:30,x\n"
    )
    assert (tmp_path / "crm" / "quotas" / "2025-03-31.csv").read_text() == (
        "user_id,period_month,quota_amount,updated_at\nusr_3,2025-03-01,1234.50,2025-03-02T00:00:00\n"
    )
    assert w.counts == {"crm.nps_responses": 3, "crm.quotas": 1}


def test_generated_files_load_without_rejects(generated, tmp_path: Path) -> None:
    """The loader accepts every generated file and row: the generator speaks the contract."""
    load = pytest.importorskip("salesmart.load")
    out, counts = generated
    result = load.load_landing(tmp_path / "build.duckdb", out)
    assert {f.status for f in result.files} == {"loaded"}
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as db:
        assert db.execute("select count(*) from meta.rejected_rows").fetchone()[0] == 0
        rows = db.execute("select count(*) from raw_email.events").fetchone()[0]
    assert rows == counts["email.events"]
