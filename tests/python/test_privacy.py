"""Privacy (issue 5, item 6): no clear-text PII past staging, and HR slices below min_group_size suppressed.

The session warehouse (dq_landing.LANDING) plants names, emails, a phone number and a salary in the landing;
the scan below reads every table and view of schemas intermediate and marts of build.duckdb and every table
of the published file, and fails on any of them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dq_landing import PLANTED_EMAILS, PLANTED_NAMES, PLANTED_PHONE, PLANTED_SALARY
from salesmart.contract import contract_tables

pytestmark = pytest.mark.slow

EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# Phone-like: optional +country code, then groups of digits split by spaces, dots, dashes or parentheses
# (3-3-4 or longer); ISO dates (4-2-2) and ids do not match.
PHONE_RE = r"(\+[0-9]{1,3}[ .-]?)?\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}"
# Column names that must not exist past staging: the contract's pii columns (email, full_name, phone, ...)
# under their own name, and anything about salary. Hashes (email_hash) and flags (is_sales_email) are fine.
PII_COLUMNS = {c.name for t in contract_tables().values() for c in t.columns if c.pii}
PII_COLUMN_RE = re.compile("salary|^(" + "|".join(sorted(PII_COLUMNS)) + ")$")

SCANNED_SCHEMAS = ("intermediate", "marts")


def relations(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name in (select unnest(?)) "
        "union select schema_name, view_name from duckdb_views() where schema_name in (select unnest(?)) "
        "and not internal order by all",
        [list(schemas), list(schemas)],
    ).fetchall()
    return [(s, t) for s, t in rows]


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchall()


def pii_findings(db: Path, schemas: tuple[str, ...]) -> list[str]:
    """'schema.table.column: what' for every PII-looking column name or value."""
    findings = []
    literals = [*PLANTED_NAMES, *PLANTED_EMAILS, PLANTED_PHONE]
    with duckdb.connect(str(db), read_only=True) as con:
        for schema, table in relations(con, schemas):
            for column, data_type in columns(con, schema, table):
                where = f"{schema}.{table}.{column}"
                if PII_COLUMN_RE.search(column.lower()):
                    findings.append(f"{where}: column name looks like PII")
                ident = '"' + column.replace('"', '""') + '"'
                if data_type == "VARCHAR":
                    planted = " or ".join(f"contains({ident}, ?)" for _ in literals)
                    hits = con.execute(
                        f"select count(*) filter (where regexp_matches({ident}, ?)), "
                        f"count(*) filter (where regexp_matches({ident}, ?)), "
                        f"count(*) filter (where {planted}) "
                        f"from {schema}.{table}",
                        [EMAIL_RE, PHONE_RE, *literals],
                    ).fetchone()
                    for label, count in zip(("email", "phone", "planted name/email/phone"), hits, strict=True):
                        if count:
                            findings.append(f"{where}: {count} value(s) look like {label}")
                elif data_type.startswith(("DECIMAL", "DOUBLE", "FLOAT")):
                    (count,) = con.execute(
                        f"select count(*) from {schema}.{table} where {ident} = ?", [Decimal(PLANTED_SALARY)]
                    ).fetchone()
                    if count:
                        findings.append(f"{where}: {count} value(s) equal the planted salary")
    return findings


@pytest.fixture(scope="module")
def wh(dq_warehouse: Path) -> Path:
    """The session warehouse's home (read only here)."""
    return dq_warehouse / "home"


def test_pii_column_names_come_from_the_contract() -> None:
    assert {
        "full_name",
        "email",
        "first_name",
        "last_name",
        "phone",
        "comment",
        "recipient_email",
        "base_salary",
    } == PII_COLUMNS


def test_the_scan_finds_the_planted_pii_in_raw(wh: Path) -> None:
    # The control: the same scan over the raw schemas must see what was planted, or it proves nothing.
    findings = pii_findings(wh / "build.duckdb", ("raw_crm", "raw_hr"))
    assert "raw_hr.employees.full_name: 4 value(s) look like planted name/email/phone" in findings
    assert "raw_hr.employees.email: 4 value(s) look like email" in findings
    assert "raw_crm.contacts.phone: 1 value(s) look like phone" in findings
    assert "raw_hr.employees.base_salary: 1 value(s) equal the planted salary" in findings
    assert "raw_crm.contacts.first_name: column name looks like PII" in findings


def test_no_clear_text_pii_past_staging(wh: Path) -> None:
    with duckdb.connect(str(wh / "build.duckdb"), read_only=True) as con:
        scanned = relations(con, SCANNED_SCHEMAS)
    assert len(scanned) >= 40  # intermediate and marts were built, not an empty scan
    assert pii_findings(wh / "build.duckdb", SCANNED_SCHEMAS) == []


def test_no_clear_text_pii_in_the_published_file(wh: Path) -> None:
    assert pii_findings(wh / "salesmart.duckdb", ("marts",)) == []


def test_small_hr_slice_is_suppressed(wh: Path) -> None:
    # March 2026 (by hand, see dq_landing): sales has 2 candidates (< 5) -> suppressed; engineering 6.
    with duckdb.connect(str(wh / "salesmart.duckdb"), read_only=True) as con:
        long_rows = con.execute(
            "select dimension_value, value, numerator, denominator, is_suppressed from marts.kpi_metric_values "
            "where metric_id = 'recruiting_hours_per_candidate' and period_grain = 'month' "
            "and period_start = date '2026-03-01' order by dimension_value"
        ).fetchall()
        wide_rows = con.execute(
            "select dimension_value, recruiting_hours_per_candidate, recruiting_hours_per_candidate_numerator, "
            "recruiting_hours_per_candidate_denominator, is_suppressed from marts.kpi_recruiting_training "
            "where period_grain = 'month' and period_start = date '2026-03-01' "
            "and dimension_name in ('total', 'department') order by dimension_value"
        ).fetchall()
    expected = [
        ("engineering", 2.0, 12.0, 6.0, False),
        ("sales", None, None, None, True),
        ("total", 2.0, 16.0, 8.0, False),
    ]
    assert long_rows == expected
    assert wide_rows == expected


def test_every_suppressed_row_carries_no_value(wh: Path) -> None:
    with duckdb.connect(str(wh / "salesmart.duckdb"), read_only=True) as con:
        leaks = con.execute(
            "select count(*) from marts.kpi_metric_values where is_suppressed "
            "and (value is not null or numerator is not null or denominator is not null "
            "or dimension_name = 'total')"
        ).fetchone()[0]
        suppressed = con.execute("select count(*) from marts.kpi_metric_values where is_suppressed").fetchone()[0]
    assert suppressed >= 1
    assert leaks == 0
