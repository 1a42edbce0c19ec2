"""Empty tables and custom-field passthrough (issue #9 items 2 and 3), each a full `salesmart run`.

- Every one of the 31 tables header-only: the run passes and kpi_metric_values is empty (no event, so no
  reporting period: rows exist only from the first month with data).
- Only a few CRM tables with data (users, territories, accounts, opportunities), all others header-only,
  and opportunities carrying an extra column deal_region: with the passthrough and extra-dimension vars
  (given through SALESMART_DBT_VARS and --vars) bookings roll up by the alias, checked against the
  numbers below, computed by hand.

Opportunities (all USD; as-of 2026-03-31):
  O1 u1 1000 won 01-20 deal_region north      O2 u1 2000 won 01-25 South
  O3 u2  500 won 02-10 north                  O4 u2  700 lost 02-12 north
  O5 u1  300 won 02-15 (empty -> unknown)     O6 u2   50 won 03-01 (file without deal_region -> unknown)
sales_region = upper(trim(deal_region)):
  month 01: NORTH 1000, SOUTH 2000, unknown 0 (O5, O6 created in January: the slice exists)
  month 02: NORTH 500, unknown 300     month 03: unknown 50
  opportunities created in January (all six): NORTH 3, SOUTH 1, unknown 2
  quarter 2026Q1: NORTH 1500 (won 2, lost 1, win_rate 2/3), SOUTH 2000, unknown 350; total 3850
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from salesmart.cli import app
from salesmart.contract import contract_tables

pytestmark = pytest.mark.slow

TS = "2026-01-01T00:00:00Z"
OPPORTUNITY_HEADER = (
    "opportunity_id,account_id,owner_user_id,lead_id,opportunity_name,opportunity_type,stage_name,amount,"
    "currency_code,close_date,is_closed,is_won,closed_at,lost_reason,created_at,updated_at,is_deleted"
)
USERS_HEADER = (
    "user_id,employee_id,full_name,email,role,manager_user_id,team,territory_id,is_active,created_at,updated_at"
)
ACCOUNTS_HEADER = (
    "account_id,account_name,industry,segment,employee_count,billing_country,territory_id,owner_user_id,"
    "created_at,updated_at,is_deleted"
)
DATA = {
    "crm/users/2026-01-01.csv": f"""{USERS_HEADER}
u1,e1,Ann One,ann@example.com,sales_rep,,A,t1,true,{TS},{TS}
u2,e2,Bob Two,bob@example.com,sales_rep,,A,t1,true,{TS},{TS}
""",
    "crm/territories/2026-01-01.csv": f"""territory_id,territory_name,region,country_code,updated_at
t1,North,EMEA,DE,{TS}
""",
    "crm/accounts/2026-01-01.csv": f"""{ACCOUNTS_HEADER}
a1,Acme,software,smb,50,DE,t1,u1,{TS},{TS},false
""",
    "crm/opportunities/2026-03-01.csv": f"""{OPPORTUNITY_HEADER},deal_region
O1,a1,u1,,o1,new_business,closed_won,1000,USD,2026-01-20,true,true,2026-01-20T10:00:00Z,,2026-01-05T09:00:00Z,2026-01-20T10:00:00Z,false,north
O2,a1,u1,,o2,new_business,closed_won,2000,USD,2026-01-25,true,true,2026-01-25T10:00:00Z,,2026-01-06T09:00:00Z,2026-01-25T10:00:00Z,false,South
O3,a1,u2,,o3,new_business,closed_won,500,USD,2026-02-10,true,true,2026-02-10T10:00:00Z,,2026-01-07T09:00:00Z,2026-02-10T10:00:00Z,false,north
O4,a1,u2,,o4,new_business,closed_lost,700,USD,2026-02-12,true,false,2026-02-12T10:00:00Z,price,2026-01-08T09:00:00Z,2026-02-12T10:00:00Z,false,north
O5,a1,u1,,o5,new_business,closed_won,300,USD,2026-02-15,true,true,2026-02-15T10:00:00Z,,2026-01-09T09:00:00Z,2026-02-15T10:00:00Z,false,
""",
    "crm/opportunities/2026-03-31.csv": f"""{OPPORTUNITY_HEADER}
O6,a1,u2,,o6,new_business,closed_won,50,USD,2026-03-01,true,true,2026-03-01T10:00:00Z,,2026-01-10T09:00:00Z,2026-03-01T10:00:00Z,false
""",
}
PASSTHROUGH_VARS = {
    "salesmart_opportunity_passthrough_columns": [
        {"name": "deal_region", "alias": "sales_region", "transform_sql": "upper(trim(deal_region))"}
    ],
    # configured but carried by no file: the column exists and is null
    "salesmart_account_passthrough_columns": [{"name": "account_tier"}],
    "salesmart_lead_passthrough_columns": [{"name": "lead_score"}],
}
EXTRA_DIMENSIONS = {"salesmart_kpi_extra_dimensions": [{"entity": "opportunity", "column": "sales_region"}]}


def write_header_only(landing: Path) -> None:
    """A header-only CSV for each of the 31 contract tables that has no file yet."""
    for table in contract_tables().values():
        folder = landing / table.system / table.name
        if not folder.is_dir():
            folder.mkdir(parents=True)
            (folder / "empty.csv").write_text(",".join(c.name for c in table.columns) + "\n")


def test_all_tables_header_only(home: Path, landing: Path, runner: CliRunner) -> None:
    write_header_only(landing)
    assert len(list(landing.glob("*/*/empty.csv"))) == 31
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    assert "optional inputs off" not in result.output  # every folder is present
    with duckdb.connect(str(home / "salesmart.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.kpi_metric_values").fetchone()[0] == 0
        assert con.execute("select count(*) from marts.kpi_pipeline").fetchone()[0] == 0
        assert con.execute("select count(*) from marts.dim_dates").fetchone()[0] == 0


def test_custom_field_as_kpi_dimension(
    home: Path, landing: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in DATA.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text(text)
    write_header_only(landing)
    monkeypatch.setenv("SALESMART_AS_OF", "2026-03-31")
    monkeypatch.setenv("SALESMART_DBT_VARS", json.dumps(PASSTHROUGH_VARS))
    result = runner.invoke(app, ["run", "--vars", json.dumps(EXTRA_DIMENSIONS)])
    assert result.exit_code == 0, result.output

    with duckdb.connect(str(home / "salesmart.duckdb"), read_only=True) as con:

        def bookings(grain: str, period: str) -> dict[str, float]:
            rows = con.execute(
                """
                select dimension_value, value from marts.kpi_metric_values
                where metric_id = 'bookings' and dimension_name = 'sales_region'
                    and period_grain = ? and period_start = ?::date
                """,
                [grain, period],
            ).fetchall()
            return dict(rows)

        # January's unknown slice exists through O5 and O6 created then, with no booking
        assert bookings("month", "2026-01-01") == {"NORTH": 1000.0, "SOUTH": 2000.0, "unknown": 0.0}
        assert bookings("month", "2026-02-01") == {"NORTH": 500.0, "unknown": 300.0}
        assert bookings("month", "2026-03-01") == {"unknown": 50.0}
        assert bookings("quarter", "2026-01-01") == {"NORTH": 1500.0, "SOUTH": 2000.0, "unknown": 350.0}
        total = con.execute(
            """
            select value from marts.kpi_metric_values
            where metric_id = 'bookings' and dimension_name = 'total' and period_grain = 'quarter'
            """
        ).fetchall()
        assert total == [(3850.0,)]
        win_rate = con.execute(
            """
            select numerator, denominator from marts.kpi_metric_values
            where metric_id = 'win_rate' and dimension_name = 'sales_region' and dimension_value = 'NORTH'
                and period_grain = 'quarter'
            """
        ).fetchall()
        assert win_rate == [(2.0, 3.0)]
        created = con.execute(
            """
            select dimension_value, value from marts.kpi_metric_values
            where metric_id = 'opportunities_created' and dimension_name = 'sales_region'
                and period_grain = 'month' and period_start = '2026-01-01'
            """
        ).fetchall()
        assert dict(created) == {"NORTH": 3.0, "SOUTH": 1.0, "unknown": 2.0}
        # only the pipeline metrics kpi_pipeline rolls up by opportunity carry the extra dimension
        metrics = {
            r[0]
            for r in con.execute(
                "select distinct metric_id from marts.kpi_metric_values where dimension_name = 'sales_region'"
            ).fetchall()
        }
        assert "pipeline_coverage" not in metrics and "revenue" not in metrics
        assert {"bookings", "win_rate", "opportunities_won", "opportunities_created"} <= metrics
        # passthrough columns configured but carried by no file exist, null
        assert con.execute("select count(*), count(account_tier) from marts.dim_accounts").fetchone() == (1, 0)
        assert con.execute("select count(lead_score) from marts.fct_leads").fetchone() == (0,)
