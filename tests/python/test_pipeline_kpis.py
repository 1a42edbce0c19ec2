"""End to end: a tiny hand-made landing set through load, build and publish; pipeline KPIs checked
against values computed by hand below (not by the code under test).

The data, in short (fx: EUR->USD 1.10 from 2026-01-01, 1.20 from 02-01, 1.25 from 03-01):
  O1 u1 USD 1000  created 01-05  prospecting -> qualification 01-10 -> proposal 01-15 -> won 01-20
  O2 u1 USD 2000  created 01-08  prospecting; a later file: lost 02-10 (latest version wins)
  O3 u2 EUR 5000  created 01-12  prospecting -> discovery 01-20 -> won 02-15 (6000 USD at 1.20)
  O4 u3 USD 3000  created 01-15  prospecting -> lost 01-25 -> re-opened negotiation 02-05 -> won 03-10 at 3500
  O5 u2 USD 4000  created 02-20  prospecting (close 03-25) -> proposal 03-05 at 4500 (close 04-15), open;
                                from lead L1 (source_channel event, created 02-10); the others have no lead
  O6 u1 USD 9999  created 02-01  won 02-02 but deleted: counts nowhere
  O7 u3 EUR 1000  created 03-20  qualification, no history row, open (1250 USD at 03-31)
Teams: u1, u2 in team A; u3 in team B. As-of date 2026-03-31, fiscal year starting in January.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

# smoke: `make test-fast` runs this module (one whole `salesmart run`, hand-computed numbers) beside the fast tests
pytestmark = [pytest.mark.slow, pytest.mark.smoke]

TS = "2026-01-01T00:00:00Z"

LANDING = {
    "crm/users/2026-01-01.csv": f"""user_id,employee_id,full_name,email,role,manager_user_id,team,territory_id,is_active,created_at,updated_at
u1,e1,Ann One,ann@example.com,sales_rep,,A,t1,true,{TS},{TS}
u2,e2,Bob Two,bob@example.com,sales_rep,,A,t1,true,{TS},{TS}
u3,e3,Cid Three,cid@example.com,sales_rep,,B,t2,true,{TS},{TS}
""",
    "crm/territories/2026-01-01.csv": f"""territory_id,territory_name,region,country_code,updated_at
t1,North,EMEA,DE,{TS}
t2,South,NA,US,{TS}
""",
    "crm/accounts/2026-01-01.csv": f"""account_id,account_name,industry,segment,employee_count,billing_country,territory_id,owner_user_id,created_at,updated_at,is_deleted
a1,Acme,software,smb,50,DE,t1,u1,{TS},{TS},false
a2,Globex,retail,enterprise,5000,US,t2,u2,{TS},{TS},false
""",
    "crm/fx_rates/2026-01-01.csv": """rate_date,currency_code,rate_to_reporting
2026-01-01,EUR,1.10
2026-02-01,EUR,1.20
2026-03-01,EUR,1.25
""",
    "crm/leads/2026-02-10.csv": """lead_id,created_at,source_channel,owner_user_id,status,converted_at,converted_account_id,converted_opportunity_id,updated_at,is_deleted
L1,2026-02-10T09:00:00Z,event,u2,converted,2026-02-20T09:00:00Z,a1,O5,2026-02-20T09:00:00Z,false
""",
    "crm/quotas/2026-01-01.csv": f"""user_id,period_month,quota_amount,updated_at
u1,2026-01-01,1000,{TS}
u1,2026-02-01,1000,{TS}
u1,2026-03-01,1000,{TS}
u2,2026-01-01,2000,{TS}
u2,2026-02-01,2000,{TS}
u2,2026-03-01,2000,{TS}
u3,2026-03-01,3000,{TS}
""",
    "crm/targets/2026-01-01.csv": f"""target_id,metric_id,user_id,period_grain,period_start,target_value,updated_at
tg1,bookings,,quarter,2026-01-01,12000,{TS}
tg2,bookings,u2,quarter,2026-01-01,5000,{TS}
""",
    # First extract: O2 still open.
    "crm/opportunities/2026-02-01.csv": """opportunity_id,account_id,owner_user_id,lead_id,opportunity_name,opportunity_type,stage_name,amount,currency_code,close_date,is_closed,is_won,closed_at,lost_reason,created_at,updated_at,is_deleted
O1,a1,u1,,o1,new_business,closed_won,1000,USD,2026-01-20,true,true,2026-01-20T10:00:00Z,,2026-01-05T09:00:00Z,2026-01-20T10:00:00Z,false
O2,a1,u1,,o2,new_business,prospecting,2000,USD,2026-02-10,false,false,,,2026-01-08T09:00:00Z,2026-01-08T09:00:00Z,false
""",
    # Second extract: O2 lost (newer updated_at wins), the rest as they are at the as-of date.
    "crm/opportunities/2026-04-01.csv": """opportunity_id,account_id,owner_user_id,lead_id,opportunity_name,opportunity_type,stage_name,amount,currency_code,close_date,is_closed,is_won,closed_at,lost_reason,created_at,updated_at,is_deleted
O2,a1,u1,,o2,new_business,closed_lost,2000,USD,2026-02-10,true,false,2026-02-10T12:00:00Z,price,2026-01-08T09:00:00Z,2026-02-10T12:00:00Z,false
O3,a2,u2,,o3,new_business,closed_won,5000,EUR,2026-02-15,true,true,2026-02-15T12:00:00Z,,2026-01-12T09:00:00Z,2026-02-15T12:00:00Z,false
O4,a2,u3,,o4,new_business,closed_won,3500,USD,2026-03-10,true,true,2026-03-10T12:00:00Z,,2026-01-15T09:00:00Z,2026-03-10T12:00:00Z,false
O5,a1,u2,L1,o5,new_business,proposal,4500,USD,2026-04-15,false,false,,,2026-02-20T09:00:00Z,2026-03-05T12:00:00Z,false
O6,a1,u1,,o6,new_business,closed_won,9999,USD,2026-02-02,true,true,2026-02-02T12:00:00Z,,2026-02-01T09:00:00Z,2026-02-03T12:00:00Z,true
O7,a2,u3,,o7,new_business,qualification,1000,EUR,2026-03-31,false,false,,,2026-03-20T09:00:00Z,2026-03-20T09:00:00Z,false
""",
    "crm/opportunity_history/2026-04-01.csv": """history_id,opportunity_id,stage_name,amount,close_date,changed_at,changed_by_user_id
h1,O1,prospecting,1000,2026-01-31,2026-01-05T09:00:00Z,u1
h2,O1,qualification,1000,2026-01-31,2026-01-10T09:00:00Z,u1
h3,O1,proposal,1000,2026-01-31,2026-01-15T09:00:00Z,u1
h4,O1,closed_won,1000,2026-01-20,2026-01-20T10:00:00Z,u1
h5,O2,prospecting,2000,2026-02-10,2026-01-08T09:00:00Z,u1
h6,O2,closed_lost,2000,2026-02-10,2026-02-10T12:00:00Z,u1
h7,O3,prospecting,5000,2026-02-28,2026-01-12T09:00:00Z,u2
h8,O3,discovery,5000,2026-02-28,2026-01-20T09:00:00Z,u2
h9,O3,closed_won,5000,2026-02-15,2026-02-15T12:00:00Z,u2
h10,O4,prospecting,3000,2026-03-15,2026-01-15T09:00:00Z,u3
h11,O4,closed_lost,3000,2026-01-25,2026-01-25T09:00:00Z,u3
h12,O4,negotiation,3000,2026-03-15,2026-02-05T09:00:00Z,u3
h13,O4,closed_won,3500,2026-03-10,2026-03-10T12:00:00Z,u3
h14,O5,prospecting,4000,2026-03-25,2026-02-20T09:00:00Z,u2
h15,O5,proposal,4500,2026-04-15,2026-03-05T12:00:00Z,u2
h16,O6,prospecting,9999,2026-02-02,2026-02-01T09:00:00Z,u1
h17,O6,closed_won,9999,2026-02-02,2026-02-02T12:00:00Z,u1
""",
}


@pytest.fixture(scope="module")
def published(pipeline_warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(pipeline_warehouse / "salesmart.duckdb"), read_only=True)
    yield con
    con.close()


def test_every_dbt_unit_test_ran_and_passed_in_the_session_build(pipeline_warehouse: Path) -> None:
    """The other builds of the test session leave the unit tests out (conftest); this one runs all of them."""
    target = pipeline_warehouse.parent / "target"
    unit_tests = set(json.loads((target / "manifest.json").read_text(encoding="utf-8"))["unit_tests"])
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    status = {r["unique_id"]: r["status"] for r in results if r["unique_id"] in unit_tests}
    assert unit_tests, "the project has no dbt unit tests"
    assert sorted(unit_tests - set(status)) == [], "unit tests not run by the session build"
    assert {uid: s for uid, s in status.items() if s != "pass"} == {}


def kpi(con, metric: str, grain: str, period: str, dimension: str = "total", value: str = "total"):
    rows = con.execute(
        """
        select value, numerator, denominator, prior_period_value, change_vs_prior_period,
               target_value, attainment, is_complete_period
        from marts.kpi_metric_values
        where metric_id = ? and period_grain = ? and period_start = ?::date
          and dimension_name = ? and dimension_value = ?
        """,
        [metric, grain, period, dimension, value],
    ).fetchall()
    assert len(rows) == 1, f"{metric} {grain} {period} {dimension}={value}: {len(rows)} rows"
    keys = ("value", "numerator", "denominator", "prior", "change", "target", "attainment", "complete")
    return dict(zip(keys, rows[0], strict=True))


def test_opportunities_created_per_month_excludes_deleted(published):
    assert [
        kpi(published, "opportunities_created", "month", m)["value"] for m in ("2026-01-01", "2026-02-01", "2026-03-01")
    ] == [4, 1, 1]


def test_won_and_lost_follow_the_latest_version_and_current_closed_at(published):
    # O4's January loss was undone by the re-opening: it is one win in March, no loss in January.
    assert kpi(published, "opportunities_won", "month", "2026-01-01")["value"] == 1
    assert kpi(published, "opportunities_lost", "month", "2026-01-01")["value"] == 0
    assert kpi(published, "opportunities_lost", "month", "2026-02-01")["value"] == 1
    assert kpi(published, "opportunities_won", "quarter", "2026-01-01")["value"] == 3


def test_win_rate(published):
    feb = kpi(published, "win_rate", "month", "2026-02-01")
    assert (feb["numerator"], feb["denominator"]) == (1, 2)
    assert feb["value"] == pytest.approx(0.5)
    assert kpi(published, "win_rate", "quarter", "2026-01-01")["value"] == pytest.approx(3 / 4)
    assert kpi(published, "win_rate", "quarter", "2026-01-01", "rep", "u1")["value"] == pytest.approx(1 / 2)


def test_bookings_convert_at_closed_at(published):
    # O3: 5000 EUR at the 2026-02-15 rate, the latest on or before that day (1.20).
    assert kpi(published, "bookings", "month", "2026-02-01")["value"] == pytest.approx(6000)
    assert kpi(published, "bookings", "month", "2026-03-01")["value"] == pytest.approx(3500)
    assert kpi(published, "bookings", "quarter", "2026-01-01")["value"] == pytest.approx(10500)
    assert kpi(published, "bookings", "quarter", "2026-01-01", "team", "A")["value"] == pytest.approx(7000)
    assert kpi(published, "bookings", "quarter", "2026-01-01", "team", "B")["value"] == pytest.approx(3500)


def test_bookings_prior_period_and_target(published):
    feb = kpi(published, "bookings", "month", "2026-02-01")
    assert feb["prior"] == pytest.approx(1000)
    assert feb["change"] == pytest.approx((6000 - 1000) / 1000)
    q1 = kpi(published, "bookings", "quarter", "2026-01-01")
    assert q1["target"] == pytest.approx(12000)
    assert q1["attainment"] == pytest.approx(10500 / 12000)
    u2 = kpi(published, "bookings", "quarter", "2026-01-01", "rep", "u2")
    assert (u2["value"], u2["target"]) == (pytest.approx(6000), pytest.approx(5000))
    assert u2["attainment"] == pytest.approx(1.2)


def test_avg_deal_size_and_sales_cycle(published):
    assert kpi(published, "avg_deal_size", "quarter", "2026-01-01")["value"] == pytest.approx(3500)
    # Won deals: O1 15 days, O3 34 days, O4 54 days.
    cycle = kpi(published, "sales_cycle_days", "quarter", "2026-01-01")
    assert cycle["numerator"] == pytest.approx(15 + 34 + 54)
    assert cycle["value"] == pytest.approx((15 + 34 + 54) / 3)


def test_pipeline_value_at_month_end_from_history(published):
    # Jan 31: O2 2000 USD + O3 5000 EUR at 1.10 (O4 is lost at that instant).
    assert kpi(published, "pipeline_value", "month", "2026-01-01")["value"] == pytest.approx(7500)
    assert kpi(published, "open_opportunities", "month", "2026-01-01")["value"] == 2
    # Feb 28: O4 re-opened 3000 + O5 4000.
    assert kpi(published, "pipeline_value", "month", "2026-02-01")["value"] == pytest.approx(7000)
    # Mar 31: O5 4500 + O7 (no history: current values) 1000 EUR at 1.25.
    assert kpi(published, "pipeline_value", "month", "2026-03-01")["value"] == pytest.approx(5750)
    assert kpi(published, "pipeline_value", "quarter", "2026-01-01")["value"] == pytest.approx(5750)
    assert kpi(published, "pipeline_value", "month", "2026-02-01", "stage", "negotiation")["value"] == (
        pytest.approx(3000)
    )


def test_pipeline_coverage(published):
    # Feb 1: O2 (close 02-10) 2000 + O3 (close 02-28) 5000 EUR at 1.20 = 8000; quota 1000 + 2000.
    feb = kpi(published, "pipeline_coverage", "month", "2026-02-01")
    assert feb["numerator"] == pytest.approx(8000)
    assert feb["denominator"] == pytest.approx(3000)
    # Mar 1: O4 (close 03-15) 3000 + O5 (close 03-25) 4000; quota 1000 + 2000 + 3000.
    assert kpi(published, "pipeline_coverage", "month", "2026-03-01")["value"] == pytest.approx(7000 / 6000)


def test_stage_conversion(published):
    # Entered prospecting in January: O1, O2, O3, O4; O2 never moved on.
    jan = kpi(published, "stage_conversion_rate", "month", "2026-01-01", "stage", "prospecting")
    assert (jan["numerator"], jan["denominator"]) == (3, 4)
    rows = published.execute(
        "select count(*) from marts.kpi_metric_values "
        "where metric_id = 'stage_conversion_rate' and dimension_name = 'total'"
    ).fetchone()[0]
    assert rows == 0


def test_periods_and_completeness(published):
    assert kpi(published, "bookings", "month", "2026-03-01")["complete"] is False
    assert kpi(published, "bookings", "month", "2026-02-01")["complete"] is True
    months = published.execute(
        "select count(distinct period_start) from marts.kpi_metric_values "
        "where metric_id = 'bookings' and period_grain = 'month'"
    ).fetchone()[0]
    assert months == 3


def test_pipeline_generated_by_created_at_at_the_created_date_rate(published):
    # The current amount of the opportunities created in the month, converted at created_at's rate:
    #   January  O1 1000 + O2 2000 + O3 5000 EUR x 1.10 (01-12; 6000 at its closing rate) + O4 3500 = 12000
    #   February O5 4500 (its current amount; 4000 when created); O6 (9999) is deleted = 4500
    #   March    O7 1000 EUR x 1.25 (03-20) = 1250
    months = ("2026-01-01", "2026-02-01", "2026-03-01")
    assert [kpi(published, "pipeline_generated", "month", m)["value"] for m in months] == [
        pytest.approx(12000),
        pytest.approx(4500),
        pytest.approx(1250),
    ]
    q1 = kpi(published, "pipeline_generated", "quarter", "2026-01-01")
    assert q1["value"] == pytest.approx(17750)
    assert (q1["numerator"], q1["denominator"]) == (None, None)
    # rep: u1 O1 + O2 = 3000; u2 O3 + O5 = 5500 + 4500 = 10000; u3 O4 + O7 = 3500 + 1250 = 4750
    # team: A (u1, u2) 13000, B (u3) 4750
    for dimension, value, expected in [
        ("rep", "u1", 3000),
        ("rep", "u2", 10000),
        ("rep", "u3", 4750),
        ("team", "A", 13000),
        ("team", "B", 4750),
        # source_channel: O5 from lead L1 (event) 4500; no lead: 17750 - 4500 = 13250
        ("source_channel", "event", 4500),
        ("source_channel", "unknown", 13250),
    ]:
        assert kpi(published, "pipeline_generated", "quarter", "2026-01-01", dimension, value)["value"] == (
            pytest.approx(expected)
        ), (dimension, value)
    # on a slice of its dims without opportunities that month: 0; on a slice it does not list: no row
    assert kpi(published, "pipeline_generated", "month", "2026-03-01", "rep", "u1")["value"] == 0
    assert published.execute(
        "select count(*) from marts.kpi_metric_values where metric_id = 'pipeline_generated' "
        "and dimension_name not in ('total', 'rep', 'team', 'source_channel')"
    ).fetchone() == (0,)
