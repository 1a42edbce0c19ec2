"""End to end: a tiny hand-made landing set through load, build and publish; sales activity and lead
generation KPIs checked against values computed by hand below (not by the code under test).

The data, in short (as-of 2026-02-28; EUR->USD 1.10 from 2025-12-31, 1.20 from 2026-02-01):
  calls    u1 -> lead l1: 01-05 connected, 01-06 no_answer, 01-08 connected, 01-20 connected;
           a deleted connected call 01-08; u2 -> l2: 01-07 voicemail
  meetings m1 (l1) booked 01-09, held 01-15 -> credited: call 01-08, email em2
           m2 (contact c1) booked 01-31, scheduled 02-15 -> credited: email em4
  emails   u1: em1 -> l1 01-05 (open twice: same event id in two files, reply), em2 -> l1 01-07 (open),
           em4 -> c1 01-30; u2: em3 -> l2 01-07 09:00 (bounced); bulk1 without sender (not a sales email)
  proposal pr1 02-01; social: like 01-03, comment 02-03 (u1, linkedin)
  leads    l1 01-05 09:00 cp1 (ads) mql 01-06 sql 01-10 -> o1 won 02-10 1000 EUR (1200 USD);
           l2 01-07 10:00 cp2 (event), a later file adds mql 02-01; l3 02-03 organic; l4 deleted
  spend    ad cp1 01-05 50 EUR (55 USD), 02-05 80 USD; costs: marketing 01-10 100 USD (cp2),
           marketing 01-15 200 USD, sales 02-15 300 USD; account a1 first booked order 02-11
  research e1 (u1) 1.5 h 01-05, e2 (u2) 0.5 h 01-07
"""

from __future__ import annotations

import csv
import io
import os
import subprocess

import duckdb
import pytest

from helpers import salesmart_command
from salesmart.contract import load_contract

pytestmark = pytest.mark.slow

TS = "2026-01-01T00:00:00Z"


def _call(activity_id: str, owner: str, lead: str, at: str, outcome: str, deleted: str = "false") -> dict:
    return dict(
        activity_id=activity_id,
        activity_type="call",
        duration_seconds="60",
        owner_user_id=owner,
        lead_id=lead,
        activity_at=at,
        call_outcome=outcome,
        created_at=at,
        updated_at=at,
        is_deleted=deleted,
    )


# Integer columns carry a value in every file: validate's type check rejects an all-null integer column.
ROWS: dict[str, list[dict]] = {
    "crm/users/2026-01-01.csv": [
        dict(
            user_id="u1",
            employee_id="e1",
            role="sales_rep",
            team="alpha",
            is_active="true",
            created_at=TS,
            updated_at=TS,
        ),
        dict(
            user_id="u2",
            employee_id="e2",
            role="sdr",
            team="beta",
            is_active="true",
            created_at=TS,
            updated_at=TS,
        ),
    ],
    "crm/accounts/2026-01-01.csv": [
        dict(
            account_id="a1",
            account_name="A1",
            employee_count="50",
            segment="smb",
            created_at=TS,
            updated_at=TS,
            is_deleted="false",
        ),
    ],
    "crm/contacts/2026-01-01.csv": [
        dict(
            contact_id="c1",
            account_id="a1",
            persona="champion",
            created_at=TS,
            updated_at=TS,
            is_deleted="false",
        ),
    ],
    "crm/fx_rates/2026-01-01.csv": [
        dict(rate_date="2025-12-31", currency_code="EUR", rate_to_reporting="1.10"),
        dict(rate_date="2026-02-01", currency_code="EUR", rate_to_reporting="1.20"),
    ],
    "marketing/campaigns/2026-01-01.csv": [
        dict(
            campaign_id="cp1",
            campaign_name="Search",
            channel="paid_search",
            start_date="2026-01-01",
            updated_at=TS,
        ),
        dict(
            campaign_id="cp2",
            campaign_name="Webinar",
            channel="event",
            start_date="2026-01-01",
            updated_at=TS,
        ),
    ],
    "crm/leads/2026-01-31.csv": [
        dict(
            lead_id="l1",
            created_at="2026-01-05T09:00:00Z",
            source_channel="paid_search",
            campaign_id="cp1",
            owner_user_id="u1",
            status="converted",
            mql_at="2026-01-06T00:00:00Z",
            sql_at="2026-01-10T00:00:00Z",
            converted_at="2026-01-12T00:00:00Z",
            converted_account_id="a1",
            converted_opportunity_id="o1",
            updated_at="2026-01-12T00:00:00Z",
            is_deleted="false",
        ),
        dict(
            lead_id="l2",
            created_at="2026-01-07T10:00:00Z",
            source_channel="event",
            campaign_id="cp2",
            owner_user_id="u2",
            status="new",
            updated_at="2026-01-07T10:00:00Z",
            is_deleted="false",
        ),
    ],
    "crm/leads/2026-02-28.csv": [
        dict(
            lead_id="l2",
            created_at="2026-01-07T10:00:00Z",
            source_channel="event",
            campaign_id="cp2",
            owner_user_id="u2",
            status="working",
            mql_at="2026-02-01T00:00:00Z",
            updated_at="2026-02-01T00:00:00Z",
            is_deleted="false",
        ),
        dict(
            lead_id="l3",
            created_at="2026-02-03T08:00:00Z",
            source_channel="organic",
            owner_user_id="u1",
            status="new",
            updated_at="2026-02-03T08:00:00Z",
            is_deleted="false",
        ),
        dict(
            lead_id="l4",
            created_at="2026-02-04T08:00:00Z",
            source_channel="organic",
            owner_user_id="u1",
            status="new",
            updated_at="2026-02-04T08:00:00Z",
            is_deleted="true",
        ),
    ],
    "crm/opportunities/2026-02-28.csv": [
        dict(
            opportunity_id="o1",
            account_id="a1",
            owner_user_id="u1",
            lead_id="l1",
            opportunity_type="new_business",
            stage_name="closed_won",
            amount="1000",
            currency_code="EUR",
            close_date="2026-02-10",
            is_closed="true",
            is_won="true",
            closed_at="2026-02-10T12:00:00Z",
            created_at="2026-01-12T00:00:00Z",
            updated_at="2026-02-10T12:00:00Z",
            is_deleted="false",
        ),
    ],
    "crm/orders/2026-02-28.csv": [
        dict(
            order_id="or1",
            account_id="a1",
            opportunity_id="o1",
            order_date="2026-02-11",
            currency_code="EUR",
            status="booked",
            updated_at="2026-02-11T00:00:00Z",
        ),
    ],
    "crm/order_lines/2026-02-28.csv": [
        dict(
            order_line_id="ol1",
            order_id="or1",
            product_id="p1",
            quantity="10",
            unit_price="100",
            unit_cost="40",
            updated_at="2026-02-11T00:00:00Z",
        ),
    ],
    "crm/products/2026-01-01.csv": [
        dict(
            product_id="p1",
            product_name="P1",
            product_family="core",
            currency_code="USD",
            is_active="true",
            updated_at=TS,
        ),
    ],
    "crm/activities/2026-02-28.csv": [
        _call("call0", "u1", "l1", "2026-01-05T10:00:00Z", "connected"),
        _call("call1", "u1", "l1", "2026-01-06T10:00:00Z", "no_answer"),
        _call("call2", "u1", "l1", "2026-01-08T10:00:00Z", "connected"),
        _call("call3", "u1", "l1", "2026-01-20T10:00:00Z", "connected"),
        _call("call_del", "u1", "l1", "2026-01-08T11:00:00Z", "connected", deleted="true"),
        _call("call_u2", "u2", "l2", "2026-01-07T12:00:00Z", "voicemail"),
        dict(
            activity_id="m1",
            activity_type="meeting",
            duration_seconds="1800",
            owner_user_id="u1",
            lead_id="l1",
            activity_at="2026-01-15T10:00:00Z",
            meeting_status="held",
            created_at="2026-01-09T09:00:00Z",
            updated_at="2026-01-15T11:00:00Z",
            is_deleted="false",
        ),
        dict(
            activity_id="m2",
            activity_type="meeting",
            duration_seconds="1800",
            owner_user_id="u1",
            contact_id="c1",
            activity_at="2026-02-15T10:00:00Z",
            meeting_status="scheduled",
            created_at="2026-01-31T09:00:00Z",
            updated_at="2026-01-31T09:00:00Z",
            is_deleted="false",
        ),
        dict(
            activity_id="pr1",
            activity_type="proposal",
            duration_seconds="1800",
            owner_user_id="u1",
            opportunity_id="o1",
            activity_at="2026-02-01T10:00:00Z",
            created_at="2026-02-01T10:00:00Z",
            updated_at="2026-02-01T10:00:00Z",
            is_deleted="false",
        ),
    ],
    "email/messages/2026-01-31.csv": [
        dict(
            message_id="em1",
            sequence_step="1",
            sender_user_id="u1",
            lead_id="l1",
            recipient_email="a@example.com",
            sent_at="2026-01-05T11:00:00Z",
        ),
        dict(
            message_id="em2",
            sequence_step="1",
            sender_user_id="u1",
            lead_id="l1",
            recipient_email="a@example.com",
            sent_at="2026-01-07T11:00:00Z",
        ),
        dict(
            message_id="em3",
            sequence_step="1",
            sender_user_id="u2",
            lead_id="l2",
            recipient_email="b@example.com",
            sent_at="2026-01-07T09:00:00Z",
        ),
        dict(
            message_id="em4",
            sequence_step="1",
            sender_user_id="u1",
            contact_id="c1",
            recipient_email="c@example.com",
            sent_at="2026-01-30T09:00:00Z",
        ),
        dict(
            message_id="bulk1",
            sequence_step="1",
            campaign_id="cp2",
            recipient_email="d@example.com",
            sent_at="2026-01-02T09:00:00Z",
        ),
    ],
    "email/events/2026-01-31.csv": [
        dict(event_id="ev1", message_id="em1", sequence_step="1", event_type="open", event_at="2026-01-05T12:00:00Z"),
        dict(event_id="ev2", message_id="em1", sequence_step="1", event_type="reply", event_at="2026-01-05T13:00:00Z"),
        dict(event_id="ev3", message_id="em2", sequence_step="1", event_type="open", event_at="2026-01-07T12:00:00Z"),
        dict(event_id="ev4", message_id="em3", sequence_step="1", event_type="bounce", event_at="2026-01-07T09:01:00Z"),
    ],
    # the tool re-sends ev1: one event
    "email/events/2026-02-01.csv": [
        dict(event_id="ev1", message_id="em1", sequence_step="1", event_type="open", event_at="2026-01-05T12:00:00Z"),
    ],
    "marketing/ad_performance_daily/2026-02-28.csv": [
        dict(
            campaign_id="cp1",
            performance_date="2026-01-05",
            impressions="100",
            clicks="5",
            spend="50",
            currency_code="EUR",
        ),
        dict(
            campaign_id="cp1",
            performance_date="2026-02-05",
            impressions="200",
            clicks="8",
            spend="80",
            currency_code="USD",
        ),
    ],
    "marketing/costs/2026-02-28.csv": [
        dict(
            cost_id="k1",
            cost_date="2026-01-10",
            cost_type="marketing",
            category="content",
            campaign_id="cp2",
            amount="100",
            currency_code="USD",
        ),
        dict(
            cost_id="k2",
            cost_date="2026-01-15",
            cost_type="marketing",
            category="tools",
            amount="200",
            currency_code="USD",
        ),
        dict(
            cost_id="k3",
            cost_date="2026-02-15",
            cost_type="sales",
            category="commissions",
            amount="300",
            currency_code="USD",
        ),
    ],
    "marketing/social_engagements/2026-02-28.csv": [
        dict(
            engagement_id="s1",
            user_id="u1",
            network="linkedin",
            engagement_type="like",
            occurred_at="2026-01-03T10:00:00Z",
        ),
        dict(
            engagement_id="s2",
            user_id="u1",
            network="linkedin",
            engagement_type="comment",
            occurred_at="2026-02-03T10:00:00Z",
        ),
    ],
    "hr/employees/2026-01-01.csv": [
        dict(employee_id="e1", department="sales", hire_date="2025-01-01", updated_at=TS),
        dict(employee_id="e2", department="sales", hire_date="2025-06-01", updated_at=TS),
    ],
    "hr/time_entries/2026-02-28.csv": [
        dict(
            entry_id="te1",
            employee_id="e1",
            work_date="2026-01-05",
            category="prospect_research",
            hours="1.5",
            updated_at=TS,
        ),
        dict(
            entry_id="te2",
            employee_id="e2",
            work_date="2026-01-07",
            category="prospect_research",
            hours="0.5",
            updated_at=TS,
        ),
        dict(
            entry_id="te3",
            employee_id="e1",
            work_date="2026-01-05",
            category="selling",
            hours="6",
            updated_at=TS,
        ),
    ],
}


def _csv(relative: str, rows: list[dict]) -> str:
    """All contract columns in contract order; columns a row leaves out are empty (null)."""
    system, table = relative.split("/")[:2]
    columns = load_contract()[f"{system}.{table}"].column_names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("activity_leads")
    landing = root / "landing"
    for relative, rows in ROWS.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_csv(relative, rows), encoding="utf-8")
    env = {
        **os.environ,
        "SALESMART_HOME": str(root / "home"),
        "SALESMART_LANDING": str(landing),
        "SALESMART_AS_OF": "2026-02-28",
    }
    result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    con = duckdb.connect(str(root / "home" / "salesmart.duckdb"), read_only=True)
    yield con
    con.close()


def kpi(con, metric: str, period: str, dimension: str = "total", value: str = "total", grain: str = "month"):
    rows = con.execute(
        """
        select value, numerator, denominator
        from marts.kpi_metric_values
        where metric_id = ? and period_grain = ? and period_start = ?::date
          and dimension_name = ? and dimension_value = ?
        """,
        [metric, grain, period, dimension, value],
    ).fetchall()
    assert len(rows) == 1, f"{metric} {grain} {period} {dimension}={value}: {len(rows)} rows"
    return dict(zip(("value", "numerator", "denominator"), rows[0], strict=True))


JAN, FEB = "2026-01-01", "2026-02-01"


def test_calls_exclude_deleted_and_attribution_credits_the_latest_call(published):
    assert kpi(published, "calls_made", JAN)["value"] == 5
    assert kpi(published, "calls_made", JAN, "rep", "u1")["value"] == 4
    connect = kpi(published, "call_connect_rate", JAN)
    assert (connect["numerator"], connect["denominator"]) == (3, 5)
    # m1 credits call2 (01-08), the latest call to l1 before its booking; m2 has no call
    conversion = kpi(published, "call_conversion_rate", JAN, "team", "alpha")
    assert (conversion["numerator"], conversion["denominator"]) == (1, 4)
    assert conversion["value"] == pytest.approx(0.25)


def test_email_rates_use_delivered_sales_emails(published):
    assert kpi(published, "emails_sent", JAN)["value"] == 4
    opened = kpi(published, "email_open_rate", JAN)
    assert (opened["numerator"], opened["denominator"]) == (2, 3)
    replied = kpi(published, "email_reply_rate", JAN)
    assert (replied["numerator"], replied["denominator"]) == (1, 3)
    converted = kpi(published, "email_conversion_rate", JAN)
    assert (converted["numerator"], converted["denominator"]) == (2, 4)
    assert kpi(published, "email_open_rate", JAN, "rep", "u2")["value"] is None


def test_meetings_proposals_social(published):
    assert kpi(published, "meetings_scheduled", JAN)["value"] == 2
    assert kpi(published, "meetings_held", JAN)["value"] == 1
    assert kpi(published, "meetings_held", FEB)["value"] == 0
    assert kpi(published, "proposals_sent", FEB)["value"] == 1
    assert kpi(published, "social_engagements", FEB, "engagement_type", "comment")["value"] == 1
    assert kpi(published, "social_engagements", JAN, "network", "linkedin", grain="quarter")["value"] == 2


def test_leads_mqls_and_conversion(published):
    assert kpi(published, "leads_created", JAN)["value"] == 2
    assert kpi(published, "leads_created", FEB)["value"] == 1
    assert kpi(published, "mqls", FEB, "campaign", "cp2")["value"] == 1
    assert kpi(published, "lead_to_customer_rate", JAN)["value"] == pytest.approx(0.5)


def test_ad_rates(published):
    assert kpi(published, "ad_click_through_rate", JAN)["value"] == pytest.approx(5 / 100)
    click_to_lead = kpi(published, "click_to_lead_rate", JAN, "campaign", "cp1")
    assert (click_to_lead["numerator"], click_to_lead["denominator"]) == (1, 5)


def test_spend_based_metrics_in_reporting_currency(published):
    # January marketing spend: 50 EUR x 1.10 + 100 + 200 = 355 USD over 2 leads
    cpl = kpi(published, "cost_per_lead", JAN)
    assert cpl["numerator"] == pytest.approx(355)
    assert cpl["value"] == pytest.approx(177.5)
    assert kpi(published, "cost_per_lead", JAN, "campaign", "cp1")["value"] == pytest.approx(55)
    # February: o1 1000 EUR x 1.20 = 1200 booked from cp1's lead against 80 of cp1 ad spend
    roi = kpi(published, "marketing_roi", FEB, "channel", "paid_search")
    assert roi["value"] == pytest.approx((1200 - 80) / 80)
    # February CAC: (80 marketing + 300 sales) / 1 new customer (a1)
    assert kpi(published, "customer_acquisition_cost", FEB)["value"] == pytest.approx(380)
    assert kpi(published, "customer_acquisition_cost", JAN)["value"] is None


def test_first_touch_metrics(published):
    # l1: call 1 h after creation; l2: call 2 h after (its email went out before it was created)
    response = kpi(published, "lead_response_hours", JAN)
    assert (response["numerator"], response["denominator"]) == (pytest.approx(3), 2)
    assert kpi(published, "research_hours_per_first_contact", JAN, "rep", "u1")["value"] == pytest.approx(1.5)
    assert kpi(published, "research_hours_per_first_contact", JAN)["value"] == pytest.approx(1.0)
