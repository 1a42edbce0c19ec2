"""The bad-input matrix (issue 5, item 2) through the real CLI: exit code, message, what landed, what was
rejected, and rows_loaded + rows_rejected = rows_read for every file.

Every case is one file crm/opportunities/<name> (or what the case says) in a fresh landing; the expected
numbers are counted by hand from the file text. docs/data_quality.md tabulates these results.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from salesmart.cli import app

HEADER = (
    "opportunity_id,account_id,owner_user_id,opportunity_type,stage_name,amount,currency_code,close_date,"
    "is_closed,is_won,closed_at,created_at,updated_at,is_deleted\n"
)


def row(
    opp: str,
    amount: str = "100",
    opp_type: str = "new_business",
    close_date: str = "2026-03-01",
    updated_at: str = "2026-01-02T00:00:00Z",
    created_at: str = "2026-01-01T00:00:00Z",
) -> str:
    return (
        f"{opp},a1,u1,{opp_type},prospecting,{amount},USD,{close_date},false,false,,{created_at},{updated_at},false\n"
    )


def flat(output: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(output.split())


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    status: str  # meta.loaded_files.status
    read: int
    loaded: int
    rejected: int
    message: str  # must appear in the CLI output (and, for a rejected file, in meta.loaded_files.error)
    rejected_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)
    landed_ids: list[str] = field(default_factory=list)
    rel: str = "crm/opportunities/f.csv"


F = "crm/opportunities/f.csv"

CASES = [
    Case("empty file", b"", "rejected", 0, 0, 0, f"{F}: file is empty (0 bytes); expected a CSV header row"),
    Case("header only", HEADER.encode(), "loaded", 0, 0, 0, "1 file(s) (1 loaded); 0 row(s) loaded, 0 rejected"),
    Case(
        "missing required column",
        (HEADER.replace(",account_id", "") + row("o1").replace(",a1", "")).encode(),
        "rejected",
        0,
        0,
        0,
        f"{F}: missing required column account_id",
    ),
    Case(
        "extra unknown column",
        (HEADER.rstrip() + ",sales_note\n" + row("o1").rstrip() + ",hello\n").encode(),
        "loaded",
        1,
        1,
        0,
        "1 row(s) loaded, 0 rejected",
        landed_ids=["o1"],
    ),
    Case(
        "wrong delimiter (;)",
        (HEADER.replace(",", ";") + row("o1").replace(",", ";")).encode(),
        "rejected",
        0,
        0,
        0,
        "the delimiter must be ',' (found ';')",
    ),
    Case(
        "non-UTF-8 byte (latin-1 é on line 3)",
        (HEADER + row("o1") + row("o\xe92")).encode("latin-1"),
        "rejected",
        0,
        0,
        0,
        f"{F}: cannot be read as CSV: CSV Error on Line: 3; Invalid unicode (byte sequence mismatch) detected",
    ),
    Case(
        "quote left open (line 3)",
        (HEADER + row("o1") + row("o2").replace("prospecting", '"prospecting') + row("o3")).encode(),
        "rejected",
        0,
        0,
        0,
        f"{F}: cannot be read as CSV: CSV Error on Line: 3; Value with unterminated quote found.",
    ),
    Case(
        "non-numeric amount",
        (HEADER + row("o1") + row("o2", amount="12abc")).encode(),
        "loaded",
        2,
        1,
        1,
        f"{F} line 3, column amount: '12abc' is not a valid decimal(18,4)",
        rejected_rows=[(3, "amount", "'12abc' is not a valid decimal(18,4) (at most 4 decimal places)")],
        landed_ids=["o1"],
    ),
    Case(
        "impossible date 31/02/2026 (and 2026-02-31)",
        (HEADER + row("o1") + row("o2", close_date="31/02/2026") + row("o3", close_date="2026-02-31")).encode(),
        "loaded",
        3,
        1,
        2,
        f"{F} line 3, column close_date: '31/02/2026' is not a valid date (expected YYYY-MM-DD)",
        rejected_rows=[
            (3, "close_date", "'31/02/2026' is not a valid date (expected YYYY-MM-DD)"),
            (4, "close_date", "'2026-02-31' is not a valid date (expected YYYY-MM-DD)"),
        ],
        landed_ids=["o1"],
    ),
    Case(
        "unknown accepted value",
        (HEADER + row("o1") + row("o2", opp_type="upsell")).encode(),
        "loaded",
        2,
        1,
        1,
        f"{F} line 3, column opportunity_type: 'upsell' is not an accepted value (new_business, expansion, renewal)",
        rejected_rows=[(3, "opportunity_type", "'upsell' is not an accepted value (new_business, expansion, renewal)")],
        landed_ids=["o1"],
    ),
    Case(
        "table directory the contract does not know",
        (HEADER + row("o1")).encode(),
        "rejected",
        0,
        0,
        0,
        "crm/widgets/f.csv: unknown table 'widgets' for system 'crm' (not in the raw contract)",
        rel="crm/widgets/f.csv",
    ),
]


def write(landing: Path, rel: str, content: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def meta(home: Path) -> dict:
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        files = con.execute(
            "select source_file, status, rows_read, rows_loaded, rows_rejected, error from meta.loaded_files "
            "order by file_id"
        ).fetchall()
        rejected = con.execute(
            "select source_file, line_number, column_name, reason, raw_record from meta.rejected_rows "
            "order by line_number, column_name"
        ).fetchall()
        ids = [i for (i,) in con.execute("select opportunity_id from raw_crm.opportunities order by 1").fetchall()]
    return {"files": files, "rejected": rejected, "ids": ids}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_matrix(runner: CliRunner, home: Path, landing: Path, case: Case) -> None:
    write(landing, case.rel, case.content)
    result = runner.invoke(app, ["load"])
    # Rejections are recorded, not fatal: load exits 0 and later steps read what landed.
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert case.message in text
    m = meta(home)
    assert len(m["files"]) == 1
    source_file, status, read, loaded, rejected, error = m["files"][0]
    expected = (case.rel, case.status, case.read, case.loaded, case.rejected)
    assert (source_file, status, read, loaded, rejected) == expected
    assert loaded + rejected == read
    if status == "rejected":
        assert case.message in error
        assert f"rejected file {case.rel}" in text
    else:
        assert error is None
    assert [(line, col, reason) for _, line, col, reason, _ in m["rejected"]] == case.rejected_rows
    assert all(src == case.rel for src, *_ in m["rejected"])
    assert m["ids"] == case.landed_ids


def test_open_quote_message_does_not_echo_the_record(runner: CliRunner, home: Path, landing: Path) -> None:
    # The record text may hold PII (names, emails): the error names the line only.
    write(landing, F, (HEADER + row("o1") + row("secret-o2").replace("prospecting", '"prospecting')).encode())
    result = runner.invoke(app, ["load"])
    error = meta(home)["files"][0][5]
    assert "secret-o2" not in error and "secret-o2" not in result.output
    assert error == f"{F}: cannot be read as CSV: CSV Error on Line: 3; Value with unterminated quote found."


def test_rejected_row_keeps_raw_record_and_status_shows_reason(runner: CliRunner, home: Path, landing: Path) -> None:
    write(landing, F, (HEADER + row("o1") + row("o2", amount="12abc")).encode())
    runner.invoke(app, ["load"])
    (_, line, column, _, raw), *_ = meta(home)["rejected"]
    assert (line, column) == (3, "amount")
    assert "12abc" in raw and "o2" in raw
    status = flat(runner.invoke(app, ["status"]).output)
    assert f"{F} │ 1 │ line 3, amount: '12abc' is not a valid decimal(18,4) (at most 4 decimal places)" in status


def test_truncated_parquet_is_rejected(runner: CliRunner, home: Path, landing: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    with duckdb.connect() as con:
        con.execute(
            "copy (select 'o' || i as opportunity_id, 'a1' as account_id, 'u1' as owner_user_id, "
            "'new_business' as opportunity_type, 'prospecting' as stage_name, 'USD' as currency_code, "
            "false as is_closed, false as is_won, timestamp '2026-01-01' as created_at, "
            "timestamp '2026-01-02' as updated_at, false as is_deleted from range(100) as t(i)) "
            f"to '{good}' (format parquet)"
        )
    data = good.read_bytes()
    write(landing, "crm/opportunities/f.parquet", data[: len(data) // 2])
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 0
    files = meta(home)["files"]
    assert [f[:5] for f in files] == [("crm/opportunities/f.parquet", "rejected", 0, 0, 0)]
    assert files[0][5].startswith("crm/opportunities/f.parquet: cannot be read as Parquet: ")
    assert "rejected file crm/opportunities/f.parquet" in flat(result.output)
    assert meta(home)["ids"] == []


def test_same_file_twice_and_renamed_copy_are_skipped(runner: CliRunner, home: Path, landing: Path) -> None:
    content = (HEADER + row("o1") + row("o2")).encode()
    write(landing, F, content)
    first = runner.invoke(app, ["load"])
    assert first.exit_code == 0 and "2 row(s) loaded, 0 rejected" in flat(first.output)
    second = runner.invoke(app, ["load"])  # the same file loaded twice
    assert second.exit_code == 0 and "1 file(s) (1 skipped); 0 row(s) loaded" in flat(second.output)
    shutil.copy(landing / F, landing / "crm/opportunities/renamed.csv")  # renamed but identical
    third = runner.invoke(app, ["load"])
    assert third.exit_code == 0 and "2 file(s) (2 skipped); 0 row(s) loaded" in flat(third.output)
    files = meta(home)["files"]
    assert [f[:5] for f in files] == [
        (F, "loaded", 2, 2, 0),
        (F, "skipped", 0, 0, 0),
        (F, "skipped", 0, 0, 0),
        ("crm/opportunities/renamed.csv", "skipped", 0, 0, 0),
    ]
    assert files[-1][5] == f"same content already loaded from {F}"
    assert meta(home)["ids"] == ["o1", "o2"]  # no row twice


# ---------------------------------------------------------------- accepted by the loader, judged by validate


def test_negative_amount_lands_then_validate_stops_the_run(runner: CliRunner, home: Path, landing: Path) -> None:
    write(landing, F, (HEADER + row("o1") + row("o2", amount="-50")).encode())
    result = runner.invoke(app, ["run"])
    text = flat(result.output)
    assert result.exit_code == 1
    assert "2 row(s) loaded, 0 rejected" in text
    assert (
        f"FAILED {F} (crm.opportunities) column amount: expect_column_values_to_be_between (min_value 0), 1 row(s), "
        "e.g. line 3: -50.0000"
    ) in text
    assert "run stopped at validate: the published mart is unchanged" in text
    assert not (home / "salesmart.duckdb").exists()
    assert meta(home)["ids"] == ["o1", "o2"]


def test_timestamp_with_offset_lands_in_utc_and_validates(runner: CliRunner, home: Path, landing: Path) -> None:
    write(landing, F, (HEADER + row("o1", updated_at="2026-01-02T01:30:00+02:00")).encode())
    assert runner.invoke(app, ["load"]).exit_code == 0
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        (updated,) = con.execute("select updated_at from raw_crm.opportunities").fetchone()
    assert updated == datetime(2026, 1, 1, 23, 30)  # 01:30 at +02:00 is 23:30 UTC the day before
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "validate: 1 file(s) checked against 4 rule(s): 1 passed, 0 failed" in flat(result.output)


def test_key_versions_with_distinct_updated_at_pass_validate(runner: CliRunner, home: Path, landing: Path) -> None:
    # The contract allows several versions of a key in one file when updated_at differs.
    write(landing, F, (HEADER + row("o1") + row("o1", amount="200", updated_at="2026-01-03T00:00:00Z")).encode())
    assert "2 row(s) loaded, 0 rejected" in flat(runner.invoke(app, ["load"]).output)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "0 failed" in flat(result.output)


def test_key_with_same_updated_at_twice_fails_validate(runner: CliRunner, home: Path, landing: Path) -> None:
    # Two versions with one updated_at: only file order would decide which wins, so validate flags them.
    write(landing, F, (HEADER + row("o1") + row("o1", amount="200")).encode())
    assert "2 row(s) loaded, 0 rejected" in flat(runner.invoke(app, ["load"]).output)
    result = runner.invoke(app, ["validate"])
    text = flat(result.output)
    assert result.exit_code == 1
    assert (
        f"FAILED {F} (crm.opportunities): one version per key and updated_at within a file, 1 row(s), "
        "e.g. key o1|2026-01-02 00:00:00 on lines 2, 3"
    ) in text
    assert "validate failed: the files above break the gate's rules and are held back from the models" in text


def test_identical_event_resend_passes_and_differing_event_fails(runner: CliRunner, home: Path, landing: Path) -> None:
    # Event tables (no updated_at): an identical re-send is one event; the same id with other values is not.
    header = "history_id,opportunity_id,stage_name,amount,close_date,changed_at,changed_by_user_id\n"
    h1 = "h1,o1,prospecting,100,2026-03-01,2026-01-05T09:00:00Z,u1\n"
    write(landing, "crm/opportunity_history/a.csv", (header + h1 + h1).encode())
    runner.invoke(app, ["load"])
    assert runner.invoke(app, ["validate"]).exit_code == 0
    write(landing, "crm/opportunity_history/b.csv", (header + h1 + h1.replace(",100,", ",150,")).encode())
    runner.invoke(app, ["load"])
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "FAILED crm/opportunity_history/b.csv (crm.opportunity_history): one version per key" in flat(result.output)
    assert "e.g. key h1 on lines 2, 3" in flat(result.output)


def test_money_date_before_the_first_fx_rate_of_its_currency_fails_validate(
    runner: CliRunner, home: Path, landing: Path
) -> None:
    # EUR rates start 2026-01-10. An opportunity converts at its created date (pipeline_generated) and at its
    # closed date, or close_date while open (bookings). o1 (open, created 2026-01-10, close_date 2026-03-01)
    # and o2 (created and closed on the first rate's day) have a rate on or before both dates; o3, created and
    # closed 2026-01-05, has none; o4, closed 2026-02-01 but created 2026-01-09, has none at its created date.
    write(landing, "crm/fx_rates/r.csv", b"rate_date,currency_code,rate_to_reporting\n2026-01-10,EUR,1.1\n")
    eur = [
        row(opp, created_at=created).replace(",USD,", ",EUR,")
        for opp, created in [
            ("o1", "2026-01-10T08:00:00Z"),
            ("o2", "2026-01-10T08:00:00Z"),
            ("o3", "2026-01-05T08:00:00Z"),
            ("o4", "2026-01-09T23:00:00Z"),
        ]
    ]
    eur[1] = eur[1].replace("false,false,,", "true,true,2026-01-10T12:00:00Z,")
    eur[2] = eur[2].replace("false,false,,", "true,false,2026-01-05T12:00:00Z,")
    eur[3] = eur[3].replace("false,false,,", "true,true,2026-02-01T12:00:00Z,")
    write(landing, F, (HEADER + "".join(eur)).encode())
    runner.invoke(app, ["load"])
    result = runner.invoke(app, ["validate"])
    text = flat(result.output)
    assert result.exit_code == 1
    assert (
        f"FAILED {F} (crm.opportunities) column currency_code: fx rate on or before every money date, 2 row(s), "
        "e.g. EUR 2026-01-05 on line 4; EUR 2026-01-09 on line 5"
    ) in text
