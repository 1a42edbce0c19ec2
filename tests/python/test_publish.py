"""Blue/green publish: the published file is replaced whole or not at all; dbt build through dbtRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from salesmart import publish as publish_mod
from salesmart import runlog
from salesmart.build import run_dbt_build
from salesmart.cli import app
from salesmart.config import Settings, project_root


def make_build(db_path: Path, revenue: float) -> None:
    """A build file with marts (two tables and a view) beside staging and meta schemas."""
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            """
            create schema if not exists staging;
            create schema if not exists meta;
            create schema if not exists marts;
            create or replace table staging.stg_x as select 1 as id;
            create or replace table meta.loaded_files as select 1 as file_id;
            create or replace table marts.dim_reps as select * from (values ('u1'), ('u2')) as t(user_id);
            """
        )
        con.execute("create or replace table marts.kpi_sales_outcomes as select ?::double as revenue", [revenue])
        con.execute(
            "create or replace view marts.v_revenue as select revenue * 2 as doubled from marts.kpi_sales_outcomes"
        )


def read_published(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        schemas = {s for (s,) in con.execute("select schema_name from duckdb_tables()").fetchall()}
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        revenue = con.execute("select revenue from marts.kpi_sales_outcomes").fetchone()[0]
        doubled = con.execute("select doubled from marts.v_revenue").fetchone()[0]
        reps = con.execute("select count(*) from marts.dim_reps").fetchone()[0]
    return {"schemas": schemas, "tables": tables, "revenue": revenue, "doubled": doubled, "reps": reps}


def test_publish_copies_marts_only(settings: Settings) -> None:
    make_build(settings.build_db, 100.0)
    path = publish_mod.publish(settings)
    assert path == settings.published_db
    assert read_published(path) == {
        "schemas": {"marts"},
        "tables": ["dim_reps", "kpi_sales_outcomes", "v_revenue"],  # the view became a table
        "revenue": 100.0,
        "doubled": 200.0,
        "reps": 2,
    }
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]


def test_publish_clears_the_spill_files_a_killed_publish_left(settings: Settings) -> None:
    make_build(settings.build_db, 100.0)
    spill = settings.home / ".salesmart-publish-killed.duckdb.tmp"  # killed between its rename and cleanup
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    publish_mod.publish(settings)
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]


def test_republish_replaces_and_open_readers_keep_old_numbers(settings: Settings) -> None:
    make_build(settings.build_db, 100.0)
    publish_mod.publish(settings)
    reader = duckdb.connect(str(settings.published_db), read_only=True)
    make_build(settings.build_db, 250.0)
    publish_mod.publish(settings)
    # the reader opened before the swap still sees a whole, consistent old mart
    assert reader.execute("select revenue from marts.kpi_sales_outcomes").fetchone()[0] == 100.0
    reader.close()
    assert read_published(settings.published_db)["revenue"] == 250.0


def test_failure_mid_copy_keeps_old_file(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    make_build(settings.build_db, 100.0)
    publish_mod.publish(settings)
    make_build(settings.build_db, 999.0)
    copied: list[str] = []
    real_copy = publish_mod._copy_relation

    def copy_then_crash(con: duckdb.DuckDBPyConnection, name: str) -> None:
        if copied:  # the first table is already in the temp file
            raise OSError("No space left on device")
        real_copy(con, name)
        copied.append(name)

    monkeypatch.setattr(publish_mod, "_copy_relation", copy_then_crash)
    with pytest.raises(OSError, match="No space left on device"):
        publish_mod.publish(settings)
    assert copied == ["dim_reps"]
    assert read_published(settings.published_db)["revenue"] == 100.0
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]


def test_failure_at_swap_keeps_old_file(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    make_build(settings.build_db, 100.0)
    publish_mod.publish(settings)
    make_build(settings.build_db, 999.0)

    def no_rename(src: Path, dst: Path) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(publish_mod.os, "replace", no_rename)
    with pytest.raises(PermissionError):
        publish_mod.publish(settings)
    assert read_published(settings.published_db)["revenue"] == 100.0
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]


def test_nothing_to_publish(settings: Settings) -> None:
    with pytest.raises(publish_mod.PublishError, match="no build to publish"):
        publish_mod.publish(settings)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema staging; create table staging.x as select 1 as a")
    with pytest.raises(publish_mod.PublishError, match="has no schema marts tables: nothing to publish"):
        publish_mod.publish(settings)
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb"]


def test_cli_publish_failure_exit_1_and_logged(runner: CliRunner, settings: Settings) -> None:
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 1
    assert f"publish failed: no build to publish: {settings.build_db} does not exist" in " ".join(result.output.split())
    (record,) = runlog.read_log(settings.runs_log)
    assert (record["step"], record["status"]) == ("publish", "failed")


def test_cli_publish_success(runner: CliRunner, settings: Settings) -> None:
    make_build(settings.build_db, 100.0)
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 0, result.output
    assert f"publish: 3 table(s) of schema marts -> {settings.published_db}" in " ".join(result.output.split())
    (record,) = runlog.read_log(settings.runs_log)
    assert (record["step"], record["status"], record["details"]["tables"]) == ("publish", "ok", 3)


TINY_PROJECT = {
    "dbt_project.yml": """
name: tiny
version: "1.0"
config-version: 2
profile: salesmart
model-paths: ["models"]
vars:
  as_of_date: ""
""",
    "models/answer.sql": "select 42 as answer, '{{ var('as_of_date') }}' as as_of_date\n",
    "models/twice.sql": "select 1 as id union all select 1 as id\n",
    "models/after_twice.sql": "select * from {{ ref('twice') }}\n",
    "models/schema.yml": """
models:
  - name: twice
    columns:
      - name: id
        data_tests: [unique]
""",
}


@pytest.mark.slow
def test_dbt_build_reports_failed_nodes(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real dbtRunner on a tiny project: a failing test fails the build and skips its children."""
    project = tmp_path / "project"
    for name, text in TINY_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    shutil.copytree(project_root() / "profiles", project / "profiles")
    monkeypatch.setenv("SALESMART_PROJECT_DIR", str(project))
    monkeypatch.setenv("SALESMART_AS_OF", "2025-02-14")
    monkeypatch.chdir(project)
    outcome = run_dbt_build(Settings.from_env())
    assert outcome.ok is False
    (failed,) = outcome.failed
    unique_id, message = failed.split(": ", 1)
    assert unique_id.startswith("test.tiny.unique_twice_id.")  # dbt appends a hash of the test config
    assert message == "Got 1 result, configured to fail if != 0"
    assert outcome.skipped == ["model.tiny.after_twice"]
    assert outcome.nodes == 4
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select answer, as_of_date from main.answer").fetchone() == (42, "2025-02-14")


# ---------------------------------------------------------------- update in place of a copy (the ledger)


def make_ledger_build(db_path: Path) -> None:
    """A build with the marts write ledger (as `salesmart build` leaves it) and four marts tables."""
    from salesmart.load import META_TABLES

    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema meta; create schema marts")
        for name in ("marts_writes", "marts_write_keys", "published_file"):
            con.execute(f"create table meta.{name} ({META_TABLES[name]})")
        con.execute(
            """
            create table marts.fct_calls as select * from (values ('c1', 10, false), ('c2', 20, false),
                ('c3', 30, true)) as t(call_id, secs, credited);
            create table marts.kpi_calls as select 60 as total_secs;
            create table marts.dim_reps as select * from (values ('u1'), ('u2')) as t(user_id);
            create table marts.fct_deals as select * from (values ('d1', 5), ('d2', 7)) as t(deal_id, amount);
            """
        )


def marts_rows(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            n for (n,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        return {n: sorted(con.execute(f"select * from marts.{n}").fetchall(), key=_row_key) for n in sorted(names)}


def _row_key(row: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in row)


def test_publish_after_a_partial_rebuild_equals_a_whole_copy(settings: Settings) -> None:
    make_ledger_build(settings.build_db)
    first = publish_mod.publish_marts(settings)
    assert (first.mode, first.reason) == ("whole", "no published file yet")
    # A daily build: fct_calls is incremental (c2 re-sent with 25 s, c4 new: two keys replaced, as dbt's
    # delete+insert and macro get_incremental_salesmart_delete_insert_sql record them), kpi_calls is rebuilt
    # whole (10 + 25 + 30 + 40 = 105), dim_reps is rebuilt whole with the same two rows (left as published),
    # and fct_deals loses d2 to a post-hook delete that the ledger does not show (only its row count tells).
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute(
            """
            delete from marts.fct_calls where call_id in ('c2', 'c4');
            insert into marts.fct_calls values ('c2', 25, false), ('c4', 40, true);
            insert into meta.marts_writes values ('fct_calls', 'delta', 'call_id', current_timestamp);
            insert into meta.marts_write_keys values ('fct_calls', 'c2'), ('fct_calls', 'c4');
            create or replace table marts.kpi_calls as select 105 as total_secs;
            insert into meta.marts_writes values ('kpi_calls', 'full', null, current_timestamp);
            delete from marts.fct_deals where deal_id = 'd2';
            create or replace table marts.dim_reps as select * from (values ('u2'), ('u1')) as t(user_id);
            insert into meta.marts_writes values ('dim_reps', 'full', null, current_timestamp);
            """
        )
    second = publish_mod.publish_marts(settings)
    assert second.mode == "update", second.reason
    assert second.updated == {"fct_calls": 2}
    assert sorted(second.copied) == ["fct_deals", "kpi_calls"]
    assert second.unchanged == ["dim_reps"]
    assert marts_rows(settings.published_db) == {
        "dim_reps": [("u1",), ("u2",)],
        "fct_calls": [("c1", 10, False), ("c2", 25, False), ("c3", 30, True), ("c4", 40, True)],
        "fct_deals": [("d1", 5)],
        "kpi_calls": [(105,)],
    }
    assert marts_rows(settings.published_db) == marts_rows(settings.build_db)
    # the ledger is cleared once published, and only the two database files are left
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*) from meta.marts_writes").fetchone() == (0,)
        assert con.execute("select count(*) from meta.marts_write_keys").fetchone() == (0,)
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]
    # nothing written since: nothing copied
    third = publish_mod.publish_marts(settings)
    assert (third.mode, third.copied, third.updated) == ("update", [], {})


def test_publish_writes_whole_when_the_published_file_is_not_the_recorded_one(settings: Settings) -> None:
    make_ledger_build(settings.build_db)
    publish_mod.publish_marts(settings)
    # someone wrote to the published file: the ledger no longer describes it
    with duckdb.connect(str(settings.published_db)) as con:
        con.execute("insert into marts.dim_reps values ('u9')")
    result = publish_mod.publish_marts(settings)
    assert (result.mode, result.reason) == ("whole", "salesmart.duckdb is not the file the last publish wrote")
    assert marts_rows(settings.published_db) == marts_rows(settings.build_db)


def test_publish_update_failure_keeps_old_file(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    make_ledger_build(settings.build_db)
    publish_mod.publish_marts(settings)
    before = marts_rows(settings.published_db)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create or replace table marts.kpi_calls as select 1 as total_secs")
        con.execute("insert into meta.marts_writes values ('kpi_calls', 'full', null, current_timestamp)")

    def crash(con: duckdb.DuckDBPyConnection, name: str) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(publish_mod, "_copy_relation", crash)
    with pytest.raises(OSError, match="No space left on device"):
        publish_mod.publish_marts(settings)
    assert marts_rows(settings.published_db) == before
    assert sorted(p.name for p in settings.home.iterdir()) == ["build.duckdb", "salesmart.duckdb"]
    # the ledger still holds the write: the next publish copies it
    monkeypatch.undo()
    assert publish_mod.publish_marts(settings).copied == ["kpi_calls"]
    assert marts_rows(settings.published_db)["kpi_calls"] == [(1,)]


@pytest.mark.slow
def test_daily_run_publishes_only_what_changed_and_equals_the_build(tmp_path: Path) -> None:
    """Two `salesmart run`s with real dbt: the second (the last month of activities and e-mail) updates the
    published file and leaves it equal, table by table, to build.duckdb's marts."""
    import json
    import os
    import subprocess

    from helpers import salesmart_command
    from salesmart.generate import generate

    generated, landing, home = tmp_path / "generated", tmp_path / "landing", tmp_path / "home"
    generate(generated, scale=0.002, seed=7, months=2)
    shutil.copytree(generated, landing)
    daily = sorted(p for t in ("crm/activities", "email/messages", "email/events") for p in (landing / t).iterdir())
    later = [p for p in daily if p.name.startswith("2025-02")]
    assert len(later) == 3, later
    held = tmp_path / "held"
    for path in later:
        (held / path.relative_to(landing)).parent.mkdir(parents=True, exist_ok=True)
        path.rename(held / path.relative_to(landing))
    env = {**os.environ, "SALESMART_HOME": str(home), "SALESMART_LANDING": str(landing)}
    env["DBT_TARGET_PATH"] = str(home / "target")
    env.pop("SALESMART_AS_OF", None)

    def run() -> dict:
        result = subprocess.run([*salesmart_command(), "run"], env=env, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        records = [json.loads(line) for line in (home / "runs.log").read_text().splitlines()]
        return [r for r in records if r["step"] == "publish"][-1]["details"]

    first = run()
    assert first["mode"] == "whole"
    shutil.copytree(held, landing, dirs_exist_ok=True)
    second = run()
    assert second["mode"] == "update", second
    # The new month's messages replaced keys of fct_email_messages. Its activities file deletes activities too
    # (rows with is_deleted true): fct_activities' post-hook removed them, so its row count differs from the
    # published one after the key replacement and it is copied whole. The KPIs changed; tables of systems
    # without new files were rebuilt with the same rows and left as published.
    assert second["updated"]["fct_email_messages"] > 0 and "fct_email_messages" not in second["copied"]
    assert {"fct_activities", "kpi_metric_values"} <= set(second["copied"])
    assert second["unchanged"] > 10
    assert marts_rows(home / "salesmart.duckdb") == marts_rows(home / "build.duckdb")
