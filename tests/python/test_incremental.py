"""Incremental build == full refresh (docs/architecture.md, "Incremental models").

A generated landing set (scale 0.005, 3 months) is split in two: batch 1 holds every file but the last
monthly one of the event tables and of opportunities, leads and accounts; batch 2 brings those last
files plus hand-made late records:
- activities: a call dated in January (late-arriving), a newer version of a January call
  (no_answer -> connected), and a delete of a January meeting;
- email events: a re-send of a January open event (same event_id, same content) and a new click event
  for a January message that had none (an old message whose flags must be recomputed).
Home A runs `salesmart run` on batch 1 and again after batch 2 lands (incremental); home B runs
`salesmart run --full-refresh` on the final landing. Everything downstream of the incremental models
must match row for row and bit for bit, and a rebuild of A with no new input must change nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import salesmart_command
from salesmart.generate import generate

pytestmark = pytest.mark.slow

# Tables compared between the homes, with the columns left out: `_file_id` values (and the watermarks
# made of them) depend on how many files each load saw before (they are global load-order ids), not on
# the data, so they differ; so do staging's `_loaded_at` (load times).
COMPARED = {
    "marts.kpi_metric_values": [],
    "marts.fct_activities": ["_file_id"],
    "marts.fct_email_messages": ["_file_id", "events_file_id"],
    "staging.stg_crm__activities": ["_file_id", "_loaded_at"],
    "intermediate.int_email_messages_flagged": ["_file_id", "events_file_id"],
    "intermediate.int_opportunity_history_deduped": ["_file_id"],
    "intermediate.int_user_events_deduped": ["_file_id"],
    "intermediate.int_time_entries_deduped": ["_file_id"],
    "intermediate.int_opportunity_state_intervals": [],
    "intermediate.int_meetings_attributed": ["_watermark_file_id"],
}
LAST_MONTH = "2025-03-31"
# Tables whose last monthly file arrives in batch 2: the event tables and some with updated versions.
SECOND_BATCH_TABLES = [
    "crm/activities",
    "crm/opportunity_history",
    "crm/user_events",
    "email/messages",
    "email/events",
    "hr/time_entries",
    "crm/opportunities",
    "crm/leads",
    "crm/accounts",
]
LATE_FILE = "2025-04-01-late"  # sorts after the monthly files, as in arrival order


def _salesmart(*args: str, home: Path, landing: Path) -> None:
    env = {
        **os.environ,
        "SALESMART_HOME": str(home),
        "SALESMART_LANDING": str(landing),
        "DBT_TARGET_PATH": str(home / "target"),
    }
    env.pop("SALESMART_AS_OF", None)
    result = subprocess.run([*salesmart_command(), *args], env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _later(timestamp: str, days: int) -> str:
    return (dt.datetime.fromisoformat(timestamp) + dt.timedelta(days=days)).isoformat()


def _late_activities(generated: Path) -> tuple[list[str], list[dict[str, str]], dict[str, str]]:
    """Late rows for crm/activities and the ids they touch (picked from the January file)."""
    columns, january = _read_csv(generated / "crm/activities/2025-01-31.csv")
    # activities with a single version (not in a later file), so batch 1 shows exactly this row
    later = {
        row["activity_id"]
        for name in ("2025-02-28", LAST_MONTH)
        for row in _read_csv(generated / f"crm/activities/{name}.csv")[1]
    }
    live = [
        row
        for row in january
        if row["is_deleted"] == "false" and row["activity_at"].startswith("2025-01") and row["activity_id"] not in later
    ]
    meeting = next(row for row in live if row["activity_type"] == "meeting")
    call = next(row for row in live if row["activity_type"] == "call" and row["call_outcome"] == "no_answer")
    # Newer than any version the generator wrote (its versions stay within the 3 months).
    version_at = "2025-06-30T12:00:00"
    late_call = {
        **call,
        "activity_id": "act_late_call",
        "call_outcome": "connected",
        "activity_at": "2025-01-15T10:00:00",
        "created_at": "2025-01-15T10:05:00",
        "updated_at": "2025-01-15T10:05:00",
    }
    rows = [
        late_call,
        {**call, "call_outcome": "connected", "updated_at": version_at},
        {**meeting, "is_deleted": "true", "updated_at": version_at},
    ]
    ids = {"late_call": "act_late_call", "updated_call": call["activity_id"], "deleted_meeting": meeting["activity_id"]}
    return columns, rows, ids


def _late_email_events(generated: Path) -> tuple[pa.Table, dict[str, str]]:
    """A re-sent January open event and a new click for a January sales message without clicks."""
    con = duckdb.connect()
    events_file = str(generated / "email/events/2025-01-31.parquet")
    messages_file = str(generated / "email/messages/2025-01-31.parquet")
    resent = con.sql(
        f"select * from read_parquet('{events_file}') where event_type = 'open' order by event_id limit 1"
    ).to_arrow_table()
    ((message_id,),) = con.sql(
        f"""
        select messages.message_id
        from read_parquet('{messages_file}') as messages
        where messages.sender_user_id is not null
            and not exists (
                select 1 from read_parquet('{events_file}') as events
                where events.message_id = messages.message_id and events.event_type in ('click', 'bounce')
            )
        order by messages.message_id
        limit 1
        """
    ).fetchall()
    click = pa.table(
        {
            "event_id": ["eve_late_click"],
            "message_id": [message_id],
            "event_type": ["click"],
            "event_at": [dt.datetime(2025, 1, 31, 9, 0, 0)],
        },
        schema=resent.schema,
    )
    con.close()
    table = pa.concat_tables([resent, click])
    return table, {"clicked_message": message_id, "resent_message": resent.column("message_id")[0].as_py()}


def _prepare(root: Path) -> tuple[Path, Path, dict[str, str]]:
    """Write the batch-1 landing, and the batch-2 files in a separate folder; return (landing, batch2, ids)."""
    generated = root / "generated"
    generate(generated, scale=0.005, seed=7, months=3)
    landing, batch2 = root / "landing", root / "batch2"
    shutil.copytree(generated, landing)
    # Dimension tables stay complete in batch 1 (one user only appears in the generator's last users
    # file, and relationship tests would fail on a first build without it).
    moved = [landing / table for table in SECOND_BATCH_TABLES]
    for path in sorted(path for folder in moved for path in folder.glob(f"{LAST_MONTH}.*")):
        target = batch2 / path.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    columns, rows, ids = _late_activities(generated)
    _write_csv(batch2 / f"crm/activities/{LATE_FILE}.csv", columns, rows)
    events, email_ids = _late_email_events(generated)
    pq.write_table(events, batch2 / f"email/events/{LATE_FILE}.parquet")
    return landing, batch2, {**ids, **email_ids}


def _snapshot(home: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(home / "build.duckdb"), read_only=True)
    try:
        snapshot = {}
        for table, excluded in COMPARED.items():
            exclude = f" exclude ({', '.join(excluded)})" if excluded else ""
            rows = con.execute(f"select *{exclude} from {table}").fetchall()
            snapshot[table] = sorted(rows, key=lambda row: tuple((value is None, str(value)) for value in row))
        return snapshot
    finally:
        con.close()


def _assert_same(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]], label: str) -> None:
    for table, rows in expected.items():
        other = actual[table]
        assert len(other) == len(rows), f"{label}: {table} has {len(other)} rows, expected {len(rows)}"
        # Exactly equal, doubles to the last bit: every sum is exact (macro reporting_amount), so the order
        # in which threads add rows cannot show.
        for index, (row_a, row_b) in enumerate(zip(other, rows, strict=True)):
            assert row_a == row_b, f"{label}: {table} row {index} differs:\n{row_a}\n{row_b}"


def _query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "build.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# Tests a daily run scopes to rows from new files (incremental models with _file_id), and tests it does not.
SCOPED_TESTS = ["unique_fct_activities_activity_id", "unique_stg_email__events_event_id"]
UNSCOPED_TESTS = ["unique_int_meetings_attributed_meeting_activity_id", "unique_fct_opportunities_opportunity_id"]


def _compiled_test(home: Path, name: str) -> str:
    """The SQL dbt ran for a data test in the home's last build."""
    (path,) = (home / "target" / "run").rglob(f"{name}.sql")
    return path.read_text()


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    landing, batch2, ids = _prepare(root)
    incremental, full = root / "home_incremental", root / "home_full"

    _salesmart("run", home=incremental, landing=landing)
    after_first = {
        "activities": dict(_query(incremental, "select activity_id, call_outcome from staging.stg_crm__activities")),
        "clicked": dict(
            _query(incremental, "select message_id, is_clicked from intermediate.int_email_messages_flagged")
        ),
    }
    (batch1_last_file_id,) = _query(incremental, "select max(file_id) from meta.loaded_files")[0]
    shutil.copytree(batch2, landing, dirs_exist_ok=True)
    _salesmart("run", home=incremental, landing=landing)
    daily_build = [
        entry["details"]
        for entry in map(json.loads, (incremental / "runs.log").read_text(encoding="utf-8").splitlines())
        if entry["step"] == "build"
    ][-1]
    incremental_rows = _snapshot(incremental)
    daily_test_sql = {name: _compiled_test(incremental, name) for name in SCOPED_TESTS + UNSCOPED_TESTS}

    _salesmart("build", home=incremental, landing=landing)  # no new input
    rebuilt_rows = _snapshot(incremental)

    _salesmart("run", "--full-refresh", home=full, landing=landing)
    full_rows = _snapshot(full)
    return {
        "ids": ids,
        "after_first": after_first,
        "incremental": incremental_rows,
        "rebuilt": rebuilt_rows,
        "full": full_rows,
        "incremental_home": incremental,
        "batch1_last_file_id": batch1_last_file_id,
        "daily_build": daily_build,
        "daily_test_sql": daily_test_sql,
        "full_test_sql": {name: _compiled_test(full, name) for name in SCOPED_TESTS},
    }


def test_batch_one_state_before_the_late_records(homes: dict) -> None:
    ids, first = homes["ids"], homes["after_first"]
    assert first["activities"][ids["updated_call"]] == "no_answer"
    assert ids["deleted_meeting"] in first["activities"]
    assert ids["late_call"] not in first["activities"]
    assert first["clicked"][ids["clicked_message"]] is False


def test_late_records_reach_the_incremental_models(homes: dict) -> None:
    ids, home = homes["ids"], homes["incremental_home"]
    activities = dict(_query(home, "select activity_id, call_outcome from staging.stg_crm__activities"))
    assert activities[ids["updated_call"]] == "connected"
    assert activities[ids["late_call"]] == "connected"
    assert ids["deleted_meeting"] not in activities
    facts = dict(_query(home, "select activity_id, is_conversation from marts.fct_activities"))
    assert facts[ids["late_call"]] is True and ids["deleted_meeting"] not in facts
    flags = {
        row[0]: row[1:]
        for row in _query(home, "select message_id, is_clicked, is_opened from intermediate.int_email_messages_flagged")
    }
    # the late click is recomputed with the message's older events (it had no click or bounce before)
    assert flags[ids["clicked_message"]][0] is True
    # the re-sent open is one event: its message stays one row, opened
    assert flags[ids["resent_message"]][1] is True
    (count,) = _query(
        home, "select count(*) from marts.fct_email_messages where message_id = ?", [ids["resent_message"]]
    )[0]
    assert count == 1


def test_incremental_equals_full_refresh(homes: dict) -> None:
    # the daily run built only what batch 2's tables feed (docs/architecture.md, "What a daily run builds and
    # tests"): the marketing models and most HR models read none of them
    assert homes["daily_build"]["models_left_out"] > 0
    assert homes["daily_build"]["tests_left_out"] > 0
    assert len(homes["full"]["marts.kpi_metric_values"]) > 1000
    _assert_same(homes["incremental"], homes["full"], "incremental vs full refresh")


def test_rebuild_without_new_input_changes_nothing(homes: dict) -> None:
    _assert_same(homes["rebuilt"], homes["incremental"], "rebuild vs first incremental build")


def test_daily_run_tests_incremental_models_on_rows_from_new_files(homes: dict) -> None:
    scope = f"(_file_id > {homes['batch1_last_file_id']})"
    for name in SCOPED_TESTS:
        assert scope in homes["daily_test_sql"][name], name
        assert "_file_id >" not in homes["full_test_sql"][name], name
    # int_meetings_attributed has no _file_id (its watermark is another column); fct_opportunities is a table
    for name in UNSCOPED_TESTS:
        assert "_file_id >" not in homes["daily_test_sql"][name], name
