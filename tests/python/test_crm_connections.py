"""Several CRM connections (issue #9 item 4): <landing>/crm/<connection>/<table>/ beside crm/<table>/.

Loader tests (fast) check the layout, the lineage column and the rejections. The slow test builds two
connections, acme and globex, that use the SAME raw ids (u1, t1, a1, p1, O1, O2, R1, L1, ...), and checks
numbers computed by hand below (as-of 2026-03-31, all USD):

  acme:   u1 team A; a1 segment smb
          O1 a1 1000 won 01-20 (created 01-05)   O2 a1 2000 lost 02-10 (created 01-08)
          O3 a1  500 open, proposal (created 02-01, close 04-30)
          order R1 booked 02-01: L1 2 x 100 = 200          leads L1 created 01-03
  globex: u1 team B; a1 segment enterprise
          O1 a1 3000 won 02-15 (created 01-10)   O2 a1  700 open, prospecting (created 03-01, close 05-31)
          order R1 booked 03-05: L1 1 x 1000 = 1000        leads L1 created 01-04, L2 created 02-02

  quarter 2026Q1   bookings   won/closed   created   revenue   leads_created   pipeline_value (03-31)
  acme                 1000          1/2         3       200               1                      500
  globex               3000          1/1         2      1000               2                      700
  total                4000          2/3         5      1200               3                     1200
  bookings by team: A 1000 (acme's u1), B 3000 (globex's u1); by segment: smb 1000, enterprise 3000.
  pipeline_value at February's end: acme 500 (O3), globex 0 (its O2 opens in March; the globex slice exists
  in February through its won O1).
Opportunities without history rows are at their current values from created_at on (closed ones never open).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dq_landing import write_landing
from salesmart.build import SOURCE_RELATION_DIMENSION_VAR, crm_connections, dbt_vars
from salesmart.cli import app
from salesmart.config import Settings
from salesmart.contract import contract_tables
from salesmart.load import load_landing

TS = "2026-01-01T00:00:00Z"
USERS = "user_id,employee_id,full_name,email,role,manager_user_id,team,territory_id,is_active,created_at,updated_at"
ACCOUNTS = (
    "account_id,account_name,industry,segment,employee_count,billing_country,territory_id,owner_user_id,"
    "created_at,updated_at,is_deleted"
)
OPPORTUNITIES = (
    "opportunity_id,account_id,owner_user_id,lead_id,opportunity_name,opportunity_type,stage_name,amount,"
    "currency_code,close_date,is_closed,is_won,closed_at,lost_reason,created_at,updated_at,is_deleted"
)
LEADS = (
    "lead_id,created_at,source_channel,campaign_id,owner_user_id,email,company_name,persona,status,mql_at,sql_at,"
    "converted_at,converted_account_id,converted_contact_id,converted_opportunity_id,updated_at,is_deleted"
)
# the same file content in both connections: two files, not a re-send
PRODUCTS = f"""product_id,product_name,product_family,list_price,currency_code,is_active,updated_at
p1,Widget,hardware,100,USD,true,{TS}
"""
ORDERS = "order_id,account_id,opportunity_id,order_date,currency_code,status,updated_at"
ORDER_LINES = "order_line_id,order_id,product_id,quantity,unit_price,discount_amount,unit_cost,updated_at"
UNKNOWN = "(not in the raw contract)"
TERRITORIES = f"""territory_id,territory_name,region,country_code,updated_at
t1,North,EMEA,DE,{TS}
"""

LANDING = {
    "crm/acme/users/u.csv": f"{USERS}\nu1,e1,Ann,ann@example.com,sales_rep,,A,t1,true,{TS},{TS}\n",
    "crm/acme/territories/t.csv": TERRITORIES,
    "crm/acme/products/p.csv": PRODUCTS,
    "crm/acme/accounts/a.csv": f"{ACCOUNTS}\na1,Acme Buyer,software,smb,50,DE,t1,u1,{TS},{TS},false\n",
    "crm/acme/opportunities/o.csv": f"""{OPPORTUNITIES}
O1,a1,u1,,o1,new_business,closed_won,1000,USD,2026-01-20,true,true,2026-01-20T10:00:00Z,,2026-01-05T09:00:00Z,2026-01-20T10:00:00Z,false
O2,a1,u1,,o2,new_business,closed_lost,2000,USD,2026-02-10,true,false,2026-02-10T10:00:00Z,price,2026-01-08T09:00:00Z,2026-02-10T10:00:00Z,false
O3,a1,u1,,o3,new_business,proposal,500,USD,2026-04-30,false,false,,,2026-02-01T09:00:00Z,2026-02-01T09:00:00Z,false
""",
    "crm/acme/orders/r.csv": f"""{ORDERS}
R1,a1,O1,2026-02-01,USD,booked,{TS}
""",
    "crm/acme/order_lines/l.csv": f"""{ORDER_LINES}
L1,R1,p1,2,100,0,40,{TS}
""",
    "crm/acme/leads/l.csv": f"{LEADS}\nL1,2026-01-03T09:00:00Z,organic,,u1,,Co,,new,,,,,,,{TS},false\n",
    "crm/globex/users/u.csv": f"{USERS}\nu1,e2,Bob,bob@example.com,sales_rep,,B,t1,true,{TS},{TS}\n",
    "crm/globex/territories/t.csv": TERRITORIES,
    "crm/globex/products/p.csv": PRODUCTS,
    "crm/globex/accounts/a.csv": f"{ACCOUNTS}\na1,Globex Buyer,retail,enterprise,5000,US,t1,u1,{TS},{TS},false\n",
    "crm/globex/opportunities/o.csv": f"""{OPPORTUNITIES}
O1,a1,u1,,o1,new_business,closed_won,3000,USD,2026-02-15,true,true,2026-02-15T10:00:00Z,,2026-01-10T09:00:00Z,2026-02-15T10:00:00Z,false
O2,a1,u1,,o2,new_business,prospecting,700,USD,2026-05-31,false,false,,,2026-03-01T09:00:00Z,2026-03-01T09:00:00Z,false
""",
    "crm/globex/orders/r.csv": f"""{ORDERS}
R1,a1,O1,2026-03-05,USD,booked,{TS}
""",
    "crm/globex/order_lines/l.csv": f"""{ORDER_LINES}
L1,R1,p1,1,1000,0,300,{TS}
""",
    "crm/globex/leads/l.csv": f"""{LEADS}
L1,2026-01-04T09:00:00Z,organic,,u1,,Co,,new,,,,,,,{TS},false
L2,2026-02-02T09:00:00Z,referral,,u1,,Co,,new,,,,,,,{TS},false
""",
}


def write_header_only_elsewhere(landing: Path) -> None:
    """A header-only file for every contract table no connection has, in the single layout (no rows)."""
    for table in contract_tables().values():
        system_dir = landing / table.system
        if (system_dir / table.name).is_dir() or any(system_dir.glob(f"*/{table.name}/")):
            continue
        (system_dir / table.name).mkdir(parents=True)
        (system_dir / table.name / "empty.csv").write_text(",".join(c.name for c in table.columns) + "\n")


def files(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select source_file, source_relation, status, error from meta.loaded_files order by file_id"
        ).fetchall()


# --- loader ---------------------------------------------------------------------------------------------


def test_connection_folders_and_single_layout_load_side_by_side(landing: Path, settings: Settings) -> None:
    write_landing(
        landing,
        {
            "crm/users/u.csv": f"{USERS}\nu1,e0,Zed,z@example.com,sales_rep,,Z,t1,true,{TS},{TS}\n",
            "crm/acme/users/u.csv": f"{USERS}\nu1,e1,Ann,ann@example.com,sales_rep,,A,t1,true,{TS},{TS}\n",
            "crm/acme/products/p.csv": PRODUCTS,
            "crm/globex/products/p.csv": PRODUCTS,
            "hr/employees/empty.csv": "employee_id\n",
        },
    )
    load_landing(settings.build_db, landing)
    loaded = [(f, relation, status) for f, relation, status, _ in files(settings.build_db)]
    assert loaded == [
        ("crm/acme/products/p.csv", "acme", "loaded"),
        ("crm/acme/users/u.csv", "acme", "loaded"),
        ("crm/globex/products/p.csv", "globex", "loaded"),  # same content, other connection: not skipped
        ("crm/users/u.csv", "default", "loaded"),
        ("hr/employees/empty.csv", "default", "rejected"),  # lacks required columns; its connection is default
    ]
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        users = con.execute("select user_id, team, _source_relation from raw_crm.users order by team").fetchall()
        products = con.execute("select product_id, _source_relation from raw_crm.products order by 2").fetchall()
    assert users == [("u1", "A", "acme"), ("u1", "Z", "default")]
    assert products == [("p1", "acme"), ("p1", "globex")]
    assert crm_connections(settings.build_db) == ["acme", "default", "globex"]


@pytest.mark.parametrize(
    ("rel", "error"),
    [
        (
            "crm/Acme-Corp/users/u.csv",
            "crm/Acme-Corp/users/u.csv: bad CRM connection name 'Acme-Corp': use lowercase letters, digits "
            "and underscores",
        ),
        (
            "crm/default/users/u.csv",
            "crm/default/users/u.csv: connection name 'default' is reserved for the single-connection layout "
            "crm/<table>/",
        ),
        ("crm/acme/widgets/u.csv", f"crm/acme/widgets/u.csv: unknown table 'widgets' for system 'crm' {UNKNOWN}"),
        ("crm/acme/u.csv", f"crm/acme/u.csv: unknown table 'acme' for system 'crm' {UNKNOWN}"),
        ("crm/acme/users/x/u.csv", "crm/acme/users/x/u.csv: nested directory; files go directly in crm/acme/users/"),
        ("hr/acme/employees/u.csv", f"hr/acme/employees/u.csv: unknown table 'acme' for system 'hr' {UNKNOWN}"),
    ],
)
def test_bad_connection_layouts_rejected_with_the_path(landing: Path, settings: Settings, rel: str, error: str) -> None:
    write_landing(landing, {rel: f"{USERS}\nu1,e1,Ann,ann@example.com,sales_rep,,A,t1,true,{TS},{TS}\n"})
    load_landing(settings.build_db, landing)
    [(source_file, _, status, reason)] = files(settings.build_db)
    assert (source_file, status, reason) == (rel, "rejected", error)


def test_warehouse_from_before_connections_gets_default(landing: Path, settings: Settings) -> None:
    """A raw table and meta.loaded_files without the new columns get them, 'default' on the old rows."""
    write_landing(landing, {"crm/products/p.csv": PRODUCTS})
    load_landing(settings.build_db, landing)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("alter table raw_crm.products drop column _source_relation")
        con.execute("alter table meta.loaded_files drop column source_relation")
    write_landing(landing, {"crm/globex/products/p.csv": PRODUCTS})
    load_landing(settings.build_db, landing)
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        rows = con.execute("select product_id, _source_relation from raw_crm.products order by 2").fetchall()
    assert rows == [("p1", "default"), ("p1", "globex")]
    assert [(f, relation, status) for f, relation, status, _ in files(settings.build_db)] == [
        ("crm/products/p.csv", "default", "loaded"),
        ("crm/globex/products/p.csv", "globex", "loaded"),
        ("crm/products/p.csv", "default", "skipped"),  # the old file row, now 'default', still dedups
    ]


def test_source_relation_dimension_var_follows_the_loaded_connections(landing: Path, settings: Settings) -> None:
    write_landing(landing, {"crm/products/p.csv": PRODUCTS})
    load_landing(settings.build_db, landing)
    assert SOURCE_RELATION_DIMENSION_VAR not in dbt_vars(settings)  # one connection: no useless slice
    write_landing(landing, {"crm/acme/products/p.csv": PRODUCTS})
    load_landing(settings.build_db, landing)
    assert dbt_vars(settings)[SOURCE_RELATION_DIMENSION_VAR] is True
    given = {SOURCE_RELATION_DIMENSION_VAR: False}
    assert dbt_vars(settings, given)[SOURCE_RELATION_DIMENSION_VAR] is False  # the user's choice wins


# --- build ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_connections_with_the_same_ids_build_apart(
    home: Path, landing: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_landing(landing, LANDING)
    write_header_only_elsewhere(landing)
    monkeypatch.setenv("SALESMART_AS_OF", "2026-03-31")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output

    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        staged = rows(
            "select opportunity_id, account_id, source_relation from staging.stg_crm__opportunities order by 1"
        )
        assert staged == [
            ("acme:O1", "acme:a1", "acme"),
            ("acme:O2", "acme:a1", "acme"),
            ("acme:O3", "acme:a1", "acme"),
            ("globex:O1", "globex:a1", "globex"),
            ("globex:O2", "globex:a1", "globex"),
        ]
        # the joins stay within a connection: each opportunity gets its own connection's rep team and segment
        facts = rows("select opportunity_id, team, segment, source_relation from marts.fct_opportunities order by 1")
        assert facts == [
            ("acme:O1", "A", "smb", "acme"),
            ("acme:O2", "A", "smb", "acme"),
            ("acme:O3", "A", "smb", "acme"),
            ("globex:O1", "B", "enterprise", "globex"),
            ("globex:O2", "B", "enterprise", "globex"),
        ]
        assert rows("select account_id, account_name, source_relation from marts.dim_accounts order by 1") == [
            ("acme:a1", "Acme Buyer", "acme"),
            ("globex:a1", "Globex Buyer", "globex"),
        ]
        assert rows("select user_id, team, source_relation from marts.dim_reps order by 1") == [
            ("acme:u1", "A", "acme"),
            ("globex:u1", "B", "globex"),
        ]
        assert rows("select product_id, source_relation from marts.dim_products order by 1") == [
            ("acme:p1", "acme"),
            ("globex:p1", "globex"),
        ]
        assert rows(
            "select order_line_id, order_id, product_id, revenue_reporting, source_relation "
            "from marts.fct_order_lines order by 1"
        ) == [("acme:L1", "acme:R1", "acme:p1", 200, "acme"), ("globex:L1", "globex:R1", "globex:p1", 1000, "globex")]
        assert rows("select lead_id, source_relation from marts.fct_leads order by 1") == [
            ("acme:L1", "acme"),
            ("globex:L1", "globex"),
            ("globex:L2", "globex"),
        ]
        # every staging, intermediate and core model that has rows carries the column, never null
        relations = rows(
            "select table_schema, table_name from information_schema.columns where column_name = 'source_relation' "
            "and table_schema in ('staging', 'intermediate', 'marts') order by 1, 2"
        )
        for model in [("staging", "stg_crm__opportunities"), ("marts", "fct_pipeline_daily"), ("marts", "dim_reps")]:
            assert model in relations
        for schema, table in relations:
            assert rows(f"select count(*) from {schema}.{table} where source_relation is null") == [(0,)], table

    with duckdb.connect(str(home / "salesmart.duckdb"), read_only=True) as con:

        def kpi(metric: str, grain: str = "quarter", period: str = "2026-01-01") -> dict[str, float]:
            found = con.execute(
                "select dimension_value, value from marts.kpi_metric_values where metric_id = ? "
                "and period_grain = ? and period_start = ?::date and dimension_name in ('total', 'source_relation')",
                [metric, grain, period],
            ).fetchall()
            return dict(found)

        assert kpi("bookings") == {"total": 4000.0, "acme": 1000.0, "globex": 3000.0}
        assert kpi("win_rate") == {"total": 2 / 3, "acme": 0.5, "globex": 1.0}
        assert kpi("opportunities_created") == {"total": 5.0, "acme": 3.0, "globex": 2.0}
        assert kpi("pipeline_value") == {"total": 1200.0, "acme": 500.0, "globex": 700.0}
        assert kpi("pipeline_value", "month", "2026-02-01") == {"total": 500.0, "acme": 500.0, "globex": 0.0}
        assert kpi("revenue") == {"total": 1200.0, "acme": 200.0, "globex": 1000.0}
        assert kpi("leads_created") == {"total": 3.0, "acme": 1.0, "globex": 2.0}
        by_team = con.execute(
            "select dimension_value, value from marts.kpi_metric_values where metric_id = 'bookings' "
            "and period_grain = 'quarter' and dimension_name in ('team', 'segment') order by 1"
        ).fetchall()
        assert by_team == [("A", 1000.0), ("B", 3000.0), ("enterprise", 3000.0), ("smb", 1000.0)]
        # a metric without a CRM entity per event (stage conversion, coverage) is not sliced by it
        sliced = {
            r[0]
            for r in con.execute(
                "select distinct metric_id from marts.kpi_metric_values where dimension_name = 'source_relation'"
            ).fetchall()
        }
        assert "pipeline_coverage" not in sliced and "stage_conversion_rate" not in sliced
