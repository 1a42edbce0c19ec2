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
