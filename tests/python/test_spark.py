"""Equivalence: the tiny landing set of test_pipeline_kpis through `salesmart run` on DuckDB and on Spark
(dbt-spark session method, local pyspark); marts.kpi_metric_values must match row for row. The DuckDB run is
the session's pipeline_warehouse (conftest: the same landing, as-of date and target).

Tolerance as in test_postgres: text, date and boolean columns equal; numeric columns (double on both
engines) within 1e-9 relative (1e-9 absolute near zero): the sums are exact decimals on both, the doubles
derived from them may round differently in the last bit.

Needs pyspark (the `spark` extra) and a Java runtime; the test is skipped without them unless
SALESMART_REQUIRE_SPARK=1, which turns the skip into a failure. `make test-spark` runs it alone.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dq_landing import write_landing
from helpers import (
    assert_hand_computed_pipeline_numbers,
    assert_same_kpi_values,
    duckdb_kpi_rows,
    timed_salesmart_run,
)
from test_pipeline_kpis import LANDING

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def _missing_requirement() -> str | None:
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        return "pyspark / dbt-spark not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java on PATH or JAVA_HOME) for pyspark"
    return None


def _spark_rows(spark_dir: Path) -> list[dict[str, Any]]:
    """marts.kpi_metric_values read through a local session on the run's metastore and warehouse."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(spark_dir / "tables"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=false",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        return [row.asDict() for row in spark.sql("select * from marts.kpi_metric_values").collect()]
    finally:
        spark.stop()


@pytest.fixture(scope="module")
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    missing = _missing_requirement()
    if missing:
        if os.environ.get("SALESMART_REQUIRE_SPARK") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("spark-equivalence")
    landing = root / "landing"
    write_landing(landing, LANDING)
    seconds = timed_salesmart_run(root, landing, "spark", 2400)
    print(f"\nsalesmart run: spark {seconds:.1f}s (the DuckDB reference is the session's pipeline_warehouse)")
    # asked for only now: skipped without Spark, the module builds no DuckDB warehouse of its own
    pipeline_warehouse = request.getfixturevalue("pipeline_warehouse")
    duck_rows = duckdb_kpi_rows(pipeline_warehouse / "salesmart.duckdb")
    return {"duckdb": duck_rows, "spark": _spark_rows(root / "home-spark" / "spark")}


def test_kpi_metric_values_identical_on_duckdb_and_spark(both: dict[str, Any]) -> None:
    assert_same_kpi_values(both["duckdb"], both["spark"])


def test_spark_numbers_match_the_hand_computed_ones(both: dict[str, Any]) -> None:
    assert_hand_computed_pipeline_numbers(both["spark"])
