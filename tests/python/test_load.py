"""Loader tests on tiny real files in a temp landing; every expected number is worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from salesmart.contract import contract_tables
from salesmart.load import LoadResult, ensure_raw_tables, load_landing

OPP_HEADER = (
    "opportunity_id,account_id,owner_user_id,opportunity_type,stage_name,amount,currency_code,"
    "close_date,is_closed,is_won,closed_at,created_at,updated_at,is_deleted"
)


def write(landing: Path, rel: str, text: str | bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def only(result: LoadResult):
    assert len(result.files) == 1, result.files
    return result.files[0]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "home" / "build.duckdb"


def test_ensure_raw_tables_creates_all_contract_tables_idempotently(db: Path) -> None:
    db.parent.mkdir()
    with duckdb.connect(str(db)) as con:
        ensure_raw_tables(con)
        ensure_raw_tables(con)
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where schema_name like 'raw_%'"
        ).fetchall()
        cols = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'raw_crm' and table_name = 'opportunities'"
        ).fetchall()
        meta = con.execute("select table_name from duckdb_tables() where schema_name = 'meta' order by 1").fetchall()
        gated = con.execute(
            "select schema_name || '.' || view_name from duckdb_views() where schema_name like 'gated_%'"
        ).fetchall()
    assert len(tables) == 31
    assert {v for (v,) in gated} == {f"gated_{k}" for k in contract_tables()}  # what dbt reads
    assert {t for (t,) in tables} == {f"raw_{k}" for k in contract_tables()}
    types = dict(cols)
    assert types["amount"] == "DECIMAL(18,4)"
    assert types["close_date"] == "DATE"
    assert types["closed_at"] == "TIMESTAMP"
    assert types["is_won"] == "BOOLEAN"
    assert [c for c, _ in cols][-7:] == [
        "_batch_id",
        "_source_file",
        "_file_sha256",
        "_loaded_at",
        "_file_id",
        "_source_line",
        "_source_relation",
    ]
    assert meta == [
        ("full_refresh_requests",),
        ("load_batches",),
        ("loaded_files",),
        ("marts_write_keys",),
        ("marts_writes",),
        ("published_file",),
        ("rejected_rows",),
    ]


def test_happy_path_types_lineage_and_utc(landing: Path, db: Path) -> None:
    # Columns in a different order and case than the contract; optional lead_id etc. absent.
    write(
        landing,
        "crm/opportunities/2026-03-31.csv",
        "Opportunity_ID,account_id,owner_user_id,opportunity_type,stage_name,AMOUNT,currency_code,close_date,"
        "is_closed,is_won,closed_at,created_at,updated_at,is_deleted\n"
        "o1,a1,u1,new_business,closed_won,1234.5,EUR,2026-03-31,true,1,2026-03-31T23:30:00-02:00,"
        "2026-01-05T10:00:00Z,2026-04-01T00:15:00+02:00,false\n"
        'o2,a1,u2,renewal,"prospecting",,USD,,false,0,,2026-02-01 08:00:00,2026-02-01T08:00:00,0\n',
    )
    result = load_landing(db, landing)
    f = only(result)
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected, f.error) == ("loaded", 2, 2, 0, None)
    assert f.system == "crm" and f.table_name == "opportunities" and f.file_id == 1
    assert not result.has_rejections
    rows = query(
        db,
        "select opportunity_id, amount, close_date, is_closed, is_won, closed_at, created_at, updated_at, "
        "is_deleted, lead_id, _batch_id, _source_file, _file_id, _source_line "
        "from raw_crm.opportunities order by opportunity_id",
    )
    assert rows == [
        (
            "o1",
            Decimal("1234.5000"),
            dt.date(2026, 3, 31),
            True,
            True,
            # 23:30 at -02:00 is 01:30 UTC the next day.
            dt.datetime(2026, 4, 1, 1, 30),
            dt.datetime(2026, 1, 5, 10, 0),
            # 00:15 at +02:00 is 22:15 UTC the day before.
            dt.datetime(2026, 3, 31, 22, 15),
            False,
            None,
            1,
            "crm/opportunities/2026-03-31.csv",
            1,
            2,
        ),
        (
            "o2",
            None,
            None,
            False,
            False,
            None,
            dt.datetime(2026, 2, 1, 8, 0),
            dt.datetime(2026, 2, 1, 8, 0),
            False,
            None,
            1,
            "crm/opportunities/2026-03-31.csv",
            1,
            3,
        ),
    ]
    sha = query(db, "select distinct _file_sha256 from raw_crm.opportunities")[0][0]
    assert sha == f.file_sha256 and len(sha) == 64
    assert query(
        db,
        "select file_id, batch_id, system, table_name, source_file, rows_read, rows_loaded, rows_rejected, "
        "status, error from meta.loaded_files",
    ) == [(1, 1, "crm", "opportunities", "crm/opportunities/2026-03-31.csv", 2, 2, 0, "loaded", None)]
    assert query(
        db, "select batch_id, status, files_seen, files_loaded, rows_read, rows_loaded from meta.load_batches"
    ) == [(1, "completed", 1, 1, 2, 2)]


def test_reload_adds_nothing_and_renamed_copy_is_skipped(landing: Path, db: Path) -> None:
    text = (
        "event_id,message_id,event_type,event_at\ne1,m1,open,2026-03-01T10:00:00Z\ne2,m1,click,2026-03-01T10:05:00Z\n"
    )
    write(landing, "email/events/day1.csv", text)
    first = load_landing(db, landing)
    assert (first.files_loaded, first.rows_loaded) == (1, 2)

    second = load_landing(db, landing)
    f = only(second)
    assert (f.status, f.rows_read, f.rows_loaded, f.file_id) == ("skipped", 0, 0, 2)
    assert f.error == "same content already loaded from email/events/day1.csv"

    write(landing, "email/events/day1_copy.csv", text)
    third = load_landing(db, landing)
    assert [(r.source_file, r.status) for r in third.files] == [
        ("email/events/day1.csv", "skipped"),
        ("email/events/day1_copy.csv", "skipped"),
    ]
    assert query(db, "select count(*) from raw_email.events") == [(2,)]
    assert query(db, "select batch_id, count(*) from meta.loaded_files group by 1 order by 1") == [
        (1, 1),
        (2, 1),
        (3, 2),
    ]


def test_overlapping_files_both_land_in_file_name_order(landing: Path, db: Path) -> None:
    header = "event_id,message_id,event_type,event_at\n"
    write(
        landing,
        "email/events/b.csv",
        header + "e2,m1,click,2026-03-01T10:05:00Z\ne3,m1,reply,2026-03-02T09:00:00Z\n",
    )
    write(
        landing,
        "email/events/a.csv",
        header + "e1,m1,open,2026-03-01T10:00:00Z\ne2,m1,click,2026-03-01T10:05:00Z\n",
    )
    result = load_landing(db, landing)
    assert [(r.source_file, r.file_id, r.rows_loaded) for r in result.files] == [
        ("email/events/a.csv", 1, 2),
        ("email/events/b.csv", 2, 2),
    ]
    assert query(
        db, "select event_id, _file_id, _source_line from raw_email.events order by _file_id, _source_line"
    ) == [
        ("e1", 1, 2),
        ("e2", 1, 3),
        ("e2", 2, 2),
        ("e3", 2, 3),
    ]


def test_bad_rows_rejected_with_line_column_reason(landing: Path, db: Path) -> None:
    write(
        landing,
        "crm/opportunities/bad.csv",
        OPP_HEADER + "\n"
        # line 2: valid
        "o1,a1,u1,new_business,proposal,10,EUR,2026-03-01,false,false,,2026-01-01,2026-01-01,false\n"
        # line 3: amount not a decimal
        "o2,a1,u1,new_business,proposal,abc,EUR,2026-03-01,false,false,,2026-01-01,2026-01-01,false\n"
        # line 4: date in the wrong format
        "o3,a1,u1,new_business,proposal,10,EUR,31/02/2026,false,false,,2026-01-01,2026-01-01,false\n"
        # line 5: impossible date and unknown opportunity_type (two failures, one row)
        "o4,a1,u1,upsell,proposal,10,EUR,2026-02-31,false,false,,2026-01-01,2026-01-01,false\n"
        # line 6: required owner missing
        "o5,a1,,new_business,proposal,10,EUR,2026-03-01,false,false,,2026-01-01,2026-01-01,false\n"
        # line 7: bad boolean and bad timestamp
        "o6,a1,u1,renewal,proposal,10,EUR,2026-03-01,yes,false,2026-13-01T00:00:00,2026-01-01,2026-01-01,false\n"
        # line 8: valid
        "o7,a2,u2,expansion,discovery,,USD,,false,false,,2026-01-02,2026-01-02,true\n",
    )
    result = load_landing(db, landing)
    f = only(result)
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected) == ("loaded", 7, 2, 5)
    assert f.rows_loaded + f.rows_rejected == f.rows_read
    assert result.has_rejections
    assert query(db, "select opportunity_id, _source_line from raw_crm.opportunities order by 1") == [
        ("o1", 2),
        ("o7", 8),
    ]
    rejected = query(
        db,
        "select line_number, column_name, reason from meta.rejected_rows order by line_number, column_name",
    )
    assert rejected == [
        (3, "amount", "'abc' is not a valid decimal(18,4) (at most 4 decimal places)"),
        (4, "close_date", "'31/02/2026' is not a valid date (expected YYYY-MM-DD)"),
        (5, "close_date", "'2026-02-31' is not a valid date (expected YYYY-MM-DD)"),
        (
            5,
            "opportunity_type",
            "'upsell' is not an accepted value (new_business, expansion, renewal)",
        ),
        (6, "owner_user_id", "required value is missing"),
        (7, "closed_at", "'2026-13-01T00:00:00' is not a valid timestamp (expected ISO 8601)"),
        (7, "is_closed", "'yes' is not a valid boolean (expected true/false/1/0)"),
    ]
    assert query(db, "select distinct file_id, batch_id, source_file from meta.rejected_rows") == [
        (1, 1, "crm/opportunities/bad.csv")
    ]
    raw = query(db, "select raw_record from meta.rejected_rows where line_number = 3")[0][0]
    assert '"opportunity_id":"o2"' in raw and '"amount":"abc"' in raw
    assert query(db, "select rows_read, rows_loaded, rows_rejected from meta.loaded_files") == [(7, 2, 5)]


def test_integer_rejects_fraction(landing: Path, db: Path) -> None:
    write(
        landing,
        "crm/nps_responses/n.csv",
        "response_id,score,responded_at\nr1,9,2026-03-01T00:00:00Z\nr2,7.5,2026-03-01T00:00:00Z\n",
    )
    f = only(load_landing(db, landing))
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (2, 1, 1)
    assert query(db, "select line_number, column_name, reason from meta.rejected_rows") == [
        (3, "score", "'7.5' is not a valid integer")
    ]
    assert query(db, "select response_id, score from raw_crm.nps_responses") == [("r1", 9)]


@pytest.mark.parametrize(
    ("rel", "content", "error"),
    [
        (
            "crm/opportunities/semicolon.csv",
            OPP_HEADER.replace(",", ";") + "\n",
            "crm/opportunities/semicolon.csv: header is a single column "
            "'opportunity_id;account_id;owner_user_id;"
            "opportunity_type;stage_name;amount;curre'; the delimiter must be ',' (found ';')",
        ),
        (
            "email/events/latin1.csv",
            b"event_id,message_id,event_type,event_at\ne1,m1,open,2026-03-01\ne2,caf\xe9,open,2026-03-01\n",
            "email/events/latin1.csv: cannot be read as CSV: CSV Error on Line: 3; "
            "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.",
        ),
        (
            "email/events/latin1_header.csv",
            b"event_id,message_id,event_type,\xe9vent_at\ne1,m1,open,2026-03-01\n",
            "email/events/latin1_header.csv: header is not valid UTF-8 (byte 0xe9 at offset 31)",
        ),
        (
            "email/events/header_quote.csv",
            'event_id,"message_id,event_type,event_at\n' + "e1,m1,open,2026-03-01\n" * 5_000,
            "email/events/header_quote.csv: header has an unterminated quote",
        ),
        (
            "email/events/quote.csv",
            'event_id,message_id,event_type,event_at\ne1,"m1,open,2026-03-01\n',
            "email/events/quote.csv: cannot be read as CSV: CSV Error on Line: 2; Value with unterminated quote found.",
        ),
        (
            "email/events/empty.csv",
            "",
            "email/events/empty.csv: file is empty (0 bytes); expected a CSV header row",
        ),
        (
            "email/events/nomsg.csv",
            "event_id,event_type,EVENT_AT\ne1,open,2026-03-01\n",
            "email/events/nomsg.csv: missing required column message_id",
        ),
        (
            "crm/opportunities/few.csv",
            "opportunity_id,amount\no1,10\n",
            "crm/opportunities/few.csv: missing required columns "
            "account_id, owner_user_id, opportunity_type, "
            "stage_name, currency_code, is_closed, is_won, created_at, updated_at, is_deleted",
        ),
        (
            "email/events/dup.csv",
            "event_id,message_id,Event_Id,event_type,event_at\n",
            "email/events/dup.csv: column 'Event_Id' appears twice (names are matched case-insensitively)",
        ),
        (
            "crm/unknown_table/x.csv",
            "a,b\n1,2\n",
            "crm/unknown_table/x.csv: unknown table 'unknown_table' for system 'crm' (not in the raw contract)",
        ),
        (
            "erp/invoices/x.csv",
            "a,b\n1,2\n",
            "erp/invoices/x.csv: unknown system 'erp' (contract systems: crm, email, hr, marketing; "
            "connector CRMs: hubspot, salesforce)",
        ),
        (
            "email/events/x.json",
            "{}",
            "email/events/x.json: unsupported file type '.json' (expected .csv or .parquet)",
        ),
        (
            "email/events/ragged.csv",
            "event_id,message_id,event_type,event_at\ne1,m1,open\n",
            "email/events/ragged.csv: cannot be read as CSV: CSV Error on Line: 2; "
            "Expected Number of Columns: 4 Found: 3",
        ),
    ],
)
def test_file_level_rejections(landing: Path, db: Path, rel: str, content: str | bytes, error: str | None) -> None:
    write(landing, rel, content)
    result = load_landing(db, landing)
    f = only(result)
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected) == ("rejected", 0, 0, 0)
    assert f.error == error
    assert result.has_rejections
    assert query(db, "select source_file, status, error from meta.loaded_files") == [(rel, "rejected", f.error)]
    assert query(db, "select count(*) from meta.rejected_rows") == [(0,)]
    assert query(db, "select count(*) from raw_email.events") == [(0,)]


def test_rejected_file_leaves_nothing_and_others_still_land(landing: Path, db: Path) -> None:
    header = "event_id,message_id,event_type,event_at\n"
    # The bad row is deep in the file: the first rows must not land either.
    write(landing, "email/events/a.csv", header + "e1,m1,open,2026-03-01\n" * 3 + 'e9,"m1,open,2026-03-01\n')
    write(landing, "email/events/b.csv", header + "e2,m1,open,2026-03-01\n")
    result = load_landing(db, landing)
    assert [(r.source_file, r.status) for r in result.files] == [
        ("email/events/a.csv", "rejected"),
        ("email/events/b.csv", "loaded"),
    ]
    assert query(db, "select event_id, _file_id from raw_email.events") == [("e2", 2)]


def test_extra_column_kept_as_varchar(landing: Path, db: Path) -> None:
    write(
        landing,
        "email/events/x.csv",
        "event_id,message_id,event_type,event_at,Campaign_Tag\ne1,m1,open,2026-03-01T00:00:00Z,spring\n",
    )
    write(landing, "email/events/y.csv", "event_id,message_id,event_type,event_at\ne2,m1,open,2026-03-02\n")
    result = load_landing(db, landing)
    assert [r.rows_loaded for r in result.files] == [1, 1]
    assert query(
        db,
        "select data_type from duckdb_columns() where schema_name = 'raw_email' and table_name = 'events' "
        "and column_name = 'campaign_tag'",
    ) == [("VARCHAR",)]
    assert query(db, "select event_id, campaign_tag from raw_email.events order by 1") == [
        ("e1", "spring"),
        ("e2", None),
    ]


def test_header_only_file_loads_zero_rows(landing: Path, db: Path) -> None:
    write(landing, "email/events/h.csv", "event_id,message_id,event_type,event_at\n")
    f = only(load_landing(db, landing))
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected, f.error) == ("loaded", 0, 0, 0, None)


def write_parquet(path: Path, select_sql: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")


def test_parquet_lands_and_row_numbers_are_1_based(landing: Path, db: Path) -> None:
    write_parquet(
        landing / "email/events/p.parquet",
        "select * from (values "
        "('e1', 'm1', 'open', timestamptz '2026-03-02 01:30:00+02:00'), "
        "('e2', 'm1', 'click', timestamptz '2026-03-02 01:00:00+00:00'), "
        "('e3', null, 'open', timestamptz '2026-03-02 00:00:00+00:00')"
        ") as t(event_id, message_id, event_type, event_at)",
    )
    f = only(load_landing(db, landing))
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected) == ("loaded", 3, 2, 1)
    # 01:30 at +02:00 is 23:30 UTC the day before.
    assert query(db, "select event_id, event_at, _source_line from raw_email.events order by 1") == [
        ("e1", dt.datetime(2026, 3, 1, 23, 30), 1),
        ("e2", dt.datetime(2026, 3, 2, 1, 0), 2),
    ]
    assert query(db, "select line_number, column_name, reason from meta.rejected_rows") == [
        (3, "message_id", "required value is missing")
    ]


def test_truncated_parquet_rejected(landing: Path, db: Path) -> None:
    path = landing / "email/events/t.parquet"
    write_parquet(path, "select 'e1' as event_id, 'm1' as message_id, 'open' as event_type")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    f = only(load_landing(db, landing))
    assert f.status == "rejected"
    assert f.error == (
        "email/events/t.parquet: cannot be read as Parquet: "
        "No magic bytes found at end of file 'email/events/t.parquet'"
    )
    assert query(db, "select count(*) from raw_email.events") == [(0,)]


def test_file_ids_increase_across_loads(landing: Path, db: Path) -> None:
    header = "event_id,message_id,event_type,event_at\n"
    write(landing, "email/events/a.csv", header + "e1,m1,open,2026-03-01\n")
    write(landing, "crm/user_events/a.csv", "event_id,user_id,event_type,event_at\nu1,x,login,2026-03-01\n")
    progress: list[tuple[str, int, int]] = []
    first = load_landing(db, landing, on_file=lambda r, done, total: progress.append((r.source_file, done, total)))
    assert progress == [("crm/user_events/a.csv", 1, 2), ("email/events/a.csv", 2, 2)]
    write(landing, "email/events/b.csv", header + "e2,m1,open,2026-03-01\n")
    second = load_landing(db, landing)
    # systems, then tables, then files in name order: crm before email.
    assert [(r.source_file, r.file_id) for r in first.files] == [
        ("crm/user_events/a.csv", 1),
        ("email/events/a.csv", 2),
    ]
    assert [(r.source_file, r.file_id, r.status) for r in second.files] == [
        ("crm/user_events/a.csv", 3, "skipped"),
        ("email/events/a.csv", 4, "skipped"),
        ("email/events/b.csv", 5, "loaded"),
    ]
    assert (second.batch_id, second.rows_loaded) == (2, 1)


def test_bom_crlf_and_quoted_empty(landing: Path, db: Path) -> None:
    write(
        landing,
        "email/events/win.csv",
        b'\xef\xbb\xbfevent_id,message_id,event_type,event_at\r\ne1,m1,open,2026-03-01\r\ne2,"",open,2026-03-01\r\n',
    )
    f = only(load_landing(db, landing))
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected) == ("loaded", 2, 1, 1)
    assert query(db, "select event_id, event_at from raw_email.events") == [("e1", dt.datetime(2026, 3, 1))]
    assert query(db, "select line_number, column_name, reason from meta.rejected_rows") == [
        (3, "message_id", "required value is missing")
    ]


def test_files_outside_table_directories_rejected(landing: Path, db: Path) -> None:
    write(landing, "stray.csv", "a\n")
    write(landing, "crm/stray.csv", "a\n")
    write(landing, "crm/users/2026/u.csv", "a\n")
    write(landing, "crm/users/.gitkeep", "")
    result = load_landing(db, landing)
    # Nothing is passed over without a record: a hidden file is listed with its reason too.
    assert [(r.source_file, r.status, r.error) for r in result.files] == [
        ("crm/stray.csv", "rejected", "crm/stray.csv: not in a <system>/<table>/ directory"),
        (
            "crm/users/.gitkeep",
            "rejected",
            "crm/users/.gitkeep: hidden file (a name starting with '.'); not loaded: rename it to load it",
        ),
        (
            "crm/users/2026/u.csv",
            "rejected",
            "crm/users/2026/u.csv: nested directory; files go directly in crm/users/",
        ),
        ("stray.csv", "rejected", "stray.csv: not in a <system>/<table>/ directory"),
    ]


def test_failure_inside_the_file_transaction_leaves_nothing(
    landing: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import salesmart.load as load_module

    write(landing, "email/events/a.csv", "event_id,message_id,event_type,event_at\ne1,m1,open,2026-03-01\n")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed while recording the file")

    # The rows are inserted, then the bookkeeping fails: both must roll back together.
    monkeypatch.setattr(load_module, "_record_file", crash)
    with pytest.raises(RuntimeError, match="killed"):
        load_landing(db, landing)
    assert query(db, "select count(*) from raw_email.events") == [(0,)]
    assert query(db, "select count(*) from meta.loaded_files") == [(0,)]

    # The next run loads the file normally.
    monkeypatch.undo()
    f = only(load_landing(db, landing))
    assert (f.status, f.rows_loaded) == ("loaded", 1)
    assert query(db, "select count(*) from raw_email.events") == [(1,)]


def test_missing_landing_is_an_error(tmp_path: Path, db: Path) -> None:
    with pytest.raises(FileNotFoundError, match="landing directory .*nowhere does not exist"):
        load_landing(db, tmp_path / "nowhere")


def test_empty_landing_creates_the_tables(landing: Path, db: Path) -> None:
    result = load_landing(db, landing)
    assert (result.files, result.has_rejections) == ([], False)
    assert query(db, "select count(*) from duckdb_tables() where schema_name like 'raw_%'") == [(31,)]
    assert query(db, "select batch_id, status, files_seen from meta.load_batches") == [(1, "completed", 0)]
