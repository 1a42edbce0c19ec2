"""End to end: a tiny hand-made landing set through `salesmart run`; sales_outcomes KPIs checked against
values computed by hand below (not by the code under test).

The data (as-of 2026-03-31, fiscal year starting in January; EUR->USD 1.10 from 2026-01-01, 1.20 from 02-01):
  orders  R0 a3 2024-12-01  1 x 100 (cost 50)                        first order of a3
          R1 a1 2026-01-20  2 x 500 - 100 = 900 (cost 400), from O1  first order of a1 (new)
          R2 a2 2026-02-15  5000 EUR = 6000 USD (cost 2000 EUR = 2400), from O2, first order of a2
          R3 a1 2026-03-05  3 x 100 = 300 (cost 90), self-serve: new (within 365 days of 2026-01-20)
          R4 a3 2026-03-10  cancelled: not revenue
          R5 a4 2026-03-10  account deleted: counts nowhere
          R6 a3 2026-03-20  2 x 100 = 200 (cost 100): existing (more than 365 days after 2024-12-01)
  opportunities O1 a1 u1 new_business won 01-20 1000 USD (created 01-05: 15 days)
                O2 a2 u2 renewal won 02-15 5000 EUR = 6000 (created 01-10: 36 days)
                O3 a3 u3 renewal lost 02-20 (created 01-12)
  subscriptions (mrr per month)  S1 a1 from 2026-01-01, 100 USD; S8 a1 from 2026-01-01, no mrr
                S2 a2 2025-03-01..2026-02-14, 200 EUR (lost in February)
                S3 a3 2025-01-01..2026-03-31, 300 USD; S6 a3 from 2026-02-10, 50 USD (expansion);
                S4 a3 from 2026-04-01, 350 USD
                S5 a4 (deleted) 2025-01-01..2026-01-15, 999 USD
                S7 a5 (new customer) from 2026-03-15, 400 USD
  quotas  u1 Jan 1000; u2 Jan 1000, Feb 5000; u3 Feb 1000; m1 (manager) Jan 100
  nps     March: 10, 9, 9, 7, 3 (a1);  tickets: complaint a2 Feb, complaint a1 Mar, question a1 Mar,
          complaint a4 (deleted) Mar
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


def _csv(table: str, rows: list[dict[str, object]]) -> str:
    """CSV text with the contract's columns of `table` (system.table); absent values are empty."""
    columns = load_contract()[table].column_names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        defaults = {"updated_at": TS, "is_deleted": "false"}
        writer.writerow({**{k: v for k, v in defaults.items() if k in columns}, **row})
    return out.getvalue()


def _user(user_id: str, role: str, team: str, territory: str) -> dict[str, object]:
    return dict(user_id=user_id, role=role, team=team, territory_id=territory, is_active="true", created_at=TS)


def _account(account_id: str, segment: str, territory: str, owner: str, deleted: bool = False) -> dict[str, object]:
    return dict(
        account_id=account_id,
        account_name=account_id,
        industry="software",
        employee_count=10,
        segment=segment,
        territory_id=territory,
        owner_user_id=owner,
        created_at=TS,
        is_deleted=str(deleted).lower(),
    )


def _opportunity(
    opp: str,
    account: str,
    owner: str,
    kind: str,
    won: bool,
    amount: int,
    currency: str,
    created: str,
    closed: str,
    lead: str = "",
) -> dict[str, object]:
    return dict(
        opportunity_id=opp,
        account_id=account,
        owner_user_id=owner,
        lead_id=lead,
        opportunity_type=kind,
        stage_name="closed_won" if won else "closed_lost",
        amount=amount,
        currency_code=currency,
        close_date=closed[:10],
        is_closed="true",
        is_won=str(won).lower(),
        closed_at=closed,
        created_at=created,
    )


def _order(
    order: str, account: str, day: str, currency: str = "USD", status: str = "booked", opp: str = ""
) -> dict[str, object]:
    return dict(
        order_id=order,
        account_id=account,
        opportunity_id=opp,
        order_date=day,
        currency_code=currency,
        status=status,
    )


def _line(line: str, order: str, product: str, qty: int, price: int, cost: int, discount: str = "") -> dict:
    return dict(
        order_line_id=line,
        order_id=order,
        product_id=product,
        quantity=qty,
        unit_price=price,
        discount_amount=discount,
        unit_cost=cost,
    )


def _subscription(
    sub: str, account: str, start: str, end: str, mrr: int | str, currency: str = "USD"
) -> dict[str, object]:
    return dict(
        subscription_id=sub, account_id=account, start_date=start, end_date=end, mrr=mrr, currency_code=currency
    )


LANDING = {
    "crm/users/a.csv": _csv(
        "crm.users",
        [
            _user("u1", "sales_rep", "A", "t1"),
            _user("u2", "sales_rep", "A", "t1"),
            _user("u3", "sales_rep", "B", "t2"),
            _user("m1", "sales_manager", "A", "t1"),
        ],
    ),
    "crm/territories/a.csv": _csv(
        "crm.territories",
        [
            dict(territory_id="t1", territory_name="North", region="EMEA"),
            dict(territory_id="t2", territory_name="South", region="NA"),
        ],
    ),
    "crm/accounts/a.csv": _csv(
        "crm.accounts",
        [
            _account("a1", "smb", "t1", "u1"),
            _account("a2", "enterprise", "t2", "u2"),
            _account("a3", "smb", "t1", "u1"),
            _account("a4", "smb", "t1", "u1", deleted=True),
            _account("a5", "mid_market", "t2", "u2"),
        ],
    ),
    "crm/products/a.csv": _csv(
        "crm.products",
        [
            dict(
                product_id="p1",
                product_name="Core",
                product_family="platform",
                currency_code="USD",
                is_active="true",
            ),
            dict(
                product_id="p2",
                product_name="Addon",
                product_family="addons",
                currency_code="USD",
                is_active="true",
            ),
        ],
    ),
    "crm/fx_rates/a.csv": _csv(
        "crm.fx_rates",
        [
            dict(rate_date="2024-12-01", currency_code="EUR", rate_to_reporting="1.05"),
            dict(rate_date="2026-01-01", currency_code="EUR", rate_to_reporting="1.10"),
            dict(rate_date="2026-02-01", currency_code="EUR", rate_to_reporting="1.20"),
        ],
    ),
    "crm/leads/a.csv": _csv(
        "crm.leads",
        [
            dict(
                lead_id="l1",
                created_at="2025-12-01T00:00:00Z",
                source_channel="paid_search",
                persona="champion",
                status="converted",
                converted_at="2026-01-05T00:00:00Z",
                converted_account_id="a1",
                converted_opportunity_id="O1",
            ),
        ],
    ),
    "crm/opportunities/a.csv": _csv(
        "crm.opportunities",
        [
            _opportunity(
                "O1",
                "a1",
                "u1",
                "new_business",
                True,
                1000,
                "USD",
                "2026-01-05T09:00:00Z",
                "2026-01-20T10:00:00Z",
                lead="l1",
            ),
            _opportunity(
                "O2", "a2", "u2", "renewal", True, 5000, "EUR", "2026-01-10T09:00:00Z", "2026-02-15T10:00:00Z"
            ),
            _opportunity(
                "O3", "a3", "u3", "renewal", False, 800, "USD", "2026-01-12T09:00:00Z", "2026-02-20T10:00:00Z"
            ),
        ],
    ),
    "crm/orders/a.csv": _csv(
        "crm.orders",
        [
            _order("R0", "a3", "2024-12-01"),
            _order("R1", "a1", "2026-01-20", opp="O1"),
            _order("R2", "a2", "2026-02-15", currency="EUR", opp="O2"),
            _order("R3", "a1", "2026-03-05"),
            _order("R4", "a3", "2026-03-10", status="cancelled"),
            _order("R5", "a4", "2026-03-10"),
            _order("R6", "a3", "2026-03-20"),
        ],
    ),
    "crm/order_lines/a.csv": _csv(
        "crm.order_lines",
        [
            _line("L0", "R0", "p2", 1, 100, 50),
            _line("L1", "R1", "p1", 2, 500, 200, discount="100"),
            _line("L2", "R2", "p1", 1, 5000, 2000),
            _line("L3", "R3", "p2", 3, 100, 30),
            _line("L4", "R4", "p1", 1, 999, 1),
            _line("L5", "R5", "p1", 1, 999, 1),
            _line("L6", "R6", "p2", 2, 100, 50),
        ],
    ),
    "crm/subscriptions/a.csv": _csv(
        "crm.subscriptions",
        [
            _subscription("S1", "a1", "2026-01-01", "", 100),
            _subscription("S8", "a1", "2026-01-01", "", ""),
            _subscription("S2", "a2", "2025-03-01", "2026-02-14", 200, currency="EUR"),
            _subscription("S3", "a3", "2025-01-01", "2026-03-31", 300),
            _subscription("S6", "a3", "2026-02-10", "", 50),
            _subscription("S4", "a3", "2026-04-01", "", 350),
            _subscription("S5", "a4", "2025-01-01", "2026-01-15", 999),
            _subscription("S7", "a5", "2026-03-15", "", 400),
        ],
    ),
    "crm/nps_responses/a.csv": _csv(
        "crm.nps_responses",
        [
            dict(response_id=f"n{i}", account_id="a1", score=score, responded_at="2026-03-10T12:00:00Z")
            for i, score in enumerate([10, 9, 9, 7, 3])
        ],
    ),
    "crm/support_tickets/a.csv": _csv(
        "crm.support_tickets",
        [
            dict(ticket_id="k1", account_id="a2", category="complaint", opened_at="2026-02-03T09:00:00Z"),
            dict(ticket_id="k2", account_id="a1", category="complaint", opened_at="2026-03-02T09:00:00Z"),
            dict(ticket_id="k3", account_id="a1", category="question", opened_at="2026-03-03T09:00:00Z"),
            dict(ticket_id="k4", account_id="a4", category="complaint", opened_at="2026-03-04T09:00:00Z"),
        ],
    ),
    "crm/quotas/a.csv": _csv(
        "crm.quotas",
        [
            dict(user_id="u1", period_month="2026-01-01", quota_amount=1000),
            dict(user_id="u2", period_month="2026-01-01", quota_amount=1000),
            dict(user_id="u2", period_month="2026-02-01", quota_amount=5000),
            dict(user_id="u3", period_month="2026-02-01", quota_amount=1000),
            dict(user_id="m1", period_month="2026-01-01", quota_amount=100),
        ],
    ),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("sales_outcomes")
    landing = root / "landing"
    for relative, text in LANDING.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "SALESMART_HOME": str(root / "home"),
        "SALESMART_LANDING": str(landing),
        "SALESMART_AS_OF": "2026-03-31",
    }
    result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    con = duckdb.connect(str(root / "home" / "salesmart.duckdb"), read_only=True)
    yield con
    con.close()


def kpi(con, metric: str, grain: str, period: str, dimension: str = "total", value: str = "total") -> dict:
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


def value(con, metric: str, grain: str, period: str, dimension: str = "total", dim_value: str = "total"):
    return kpi(con, metric, grain, period, dimension, dim_value)["value"]


def test_revenue_converts_at_order_date_and_skips_cancelled_and_deleted(published):
    months = ("2026-01-01", "2026-02-01", "2026-03-01")
    assert [value(published, "revenue", "month", m) for m in months] == [
        pytest.approx(900),
        pytest.approx(6000),
        pytest.approx(300 + 200),
    ]
    assert value(published, "revenue", "quarter", "2026-01-01") == pytest.approx(7400)
    assert value(published, "revenue", "quarter", "2026-01-01", "product_family", "addons") == pytest.approx(500)
    assert value(published, "revenue", "quarter", "2026-01-01", "persona", "champion") == pytest.approx(900)
    # R3 and R6 are self-serve: the account owner (u1) is the rep
    assert value(published, "revenue", "quarter", "2026-01-01", "rep", "u1") == pytest.approx(900 + 300 + 200)


def test_new_and_existing_customer_revenue(published):
    assert value(published, "new_customer_revenue", "month", "2026-03-01") == pytest.approx(300)
    assert value(published, "existing_customer_revenue", "month", "2026-03-01") == pytest.approx(200)
    assert value(published, "existing_customer_revenue", "month", "2026-01-01") == 0


def test_gross_margin_and_average_sale_value(published):
    margin = kpi(published, "gross_margin", "quarter", "2026-01-01")
    assert margin["numerator"] == pytest.approx(7400 - (400 + 2400 + 90 + 100))
    assert margin["value"] == pytest.approx(4410 / 7400)
    assert value(published, "average_sale_value", "quarter", "2026-01-01") == pytest.approx(7400 / 4)


def test_first_purchase_value(published):
    assert value(published, "first_purchase_value", "quarter", "2026-01-01") == pytest.approx((900 + 6000) / 2)
    assert value(published, "first_purchase_value", "quarter", "2026-01-01", "source_channel", "paid_search") == (
        pytest.approx(900)
    )


def test_churn_and_retention(published):
    assert value(published, "customer_churn_rate", "month", "2026-01-01") == 0
    feb = kpi(published, "customer_churn_rate", "month", "2026-02-01")
    assert (feb["numerator"], feb["denominator"]) == (1, 3)
    assert value(published, "customer_retention_rate", "quarter", "2026-01-01") == pytest.approx(2 / 3)


def test_customer_lifetime_value(published):
    # 12 months to 2026-03-31: profit 500 + 3600 + 210 + 100 over a1, a2, a3; active on 2025-04-01: a2, a3,
    # a2 lost -> churn 1/2 -> 2 years.
    assert value(published, "customer_lifetime_value", "quarter", "2026-01-01") == pytest.approx(4410 / 3 * 2)


def test_sales_velocity_and_renewal_rate(published):
    # Q1: 3 created x 3500 average deal x 2/3 win rate / 25.5 days (15 and 36)
    assert value(published, "sales_velocity", "quarter", "2026-01-01") == pytest.approx(3 * 3500 * (2 / 3) / 25.5)
    assert value(published, "renewal_rate", "quarter", "2026-01-01") == pytest.approx(0.5)


def test_nps_and_complaints(published):
    nps = kpi(published, "nps", "month", "2026-03-01")
    assert (nps["numerator"], nps["denominator"]) == (2, 5)
    assert nps["value"] == pytest.approx(40)
    assert value(published, "complaints", "quarter", "2026-01-01") == 2
    assert value(published, "complaints", "quarter", "2026-01-01", "segment", "enterprise") == 1


def test_quota_attainment_rate(published):
    assert value(published, "quota_attainment_rate", "month", "2026-01-01") == pytest.approx(1 / 2)
    assert value(published, "quota_attainment_rate", "month", "2026-02-01") == pytest.approx(1 / 2)
    assert value(published, "quota_attainment_rate", "quarter", "2026-01-01") == pytest.approx(2 / 3)
    assert value(published, "quota_attainment_rate", "quarter", "2026-01-01", "team", "B") == 0


def test_net_revenue_retention(published):
    # MRR of the accounts active on the first day (a4 is deleted: never), on the first and the last day, both at
    # the rate of the last day (EUR 1.10 on 01-31, 1.20 from 02-01); S8 has no mrr: 0.
    #   January  active a1, a2, a3: first day S1 100 + S2 200 x 1.10 + S3 300 = 620; last day the same: 1
    #   February active a1, a2, a3: first day 100 + 200 x 1.20 + 300 = 640;
    #            last day S1 100 + S3 300 + S6 50 (a3's expansion) = 450, a2 lost on 02-14: 0
    #   March    active a1, a3: first day 100 + 300 + 50 = 450; last day 450 (S3 ends on 03-31, so still
    #            covers it); a5, a customer since 03-15, counts nowhere (its 400 would give 850 / 450)
    #   Q1       active a1, a2, a3 on 01-01: first day 100 + 200 x 1.20 (rate of 03-31) + 300 = 640; last day 450
    jan = kpi(published, "net_revenue_retention", "month", "2026-01-01")
    assert (jan["numerator"], jan["denominator"], jan["value"]) == (pytest.approx(620), pytest.approx(620), 1)
    feb = kpi(published, "net_revenue_retention", "month", "2026-02-01")
    assert (feb["numerator"], feb["denominator"]) == (pytest.approx(450), pytest.approx(640))
    assert feb["value"] == pytest.approx(450 / 640)
    mar = kpi(published, "net_revenue_retention", "month", "2026-03-01")
    assert (mar["numerator"], mar["denominator"], mar["value"]) == (pytest.approx(450), pytest.approx(450), 1)
    q1 = kpi(published, "net_revenue_retention", "quarter", "2026-01-01")
    assert (q1["numerator"], q1["denominator"]) == (pytest.approx(450), pytest.approx(640))
    # Q1 by account segment and territory: smb = a1 + a3 (t1) 400 -> 450, expansion above 1;
    # enterprise = a2 (t2) 240 -> 0
    assert value(published, "net_revenue_retention", "quarter", "2026-01-01", "segment", "smb") == pytest.approx(
        450 / 400
    )
    assert value(published, "net_revenue_retention", "quarter", "2026-01-01", "territory", "t1") == pytest.approx(
        450 / 400
    )
    enterprise = kpi(published, "net_revenue_retention", "quarter", "2026-01-01", "segment", "enterprise")
    assert (enterprise["numerator"], enterprise["denominator"], enterprise["value"]) == (0, pytest.approx(240), 0)
    # a5 (mid_market, active only from 03-15) is in no Q1 slice
    assert published.execute(
        "select count(*) from marts.kpi_metric_values where metric_id = 'net_revenue_retention' "
        "and dimension_value = 'mid_market'"
    ).fetchone() == (0,)
    # Year 2025: a3 alone is active on 2025-01-01 (a2 starts 03-01): 300 -> 300
    assert value(published, "net_revenue_retention", "year", "2025-01-01") == 1
    # Year 2026, in progress: its last day is 12-31 (as for customer_churn_rate), the rate that of the as-of
    # date 03-31: first day 640 as in Q1; last day S1 100 + S6 50 + S4 350 (a3's renewal from 04-01) = 500
    year = kpi(published, "net_revenue_retention", "year", "2026-01-01")
    assert (year["numerator"], year["denominator"]) == (pytest.approx(500), pytest.approx(640))
