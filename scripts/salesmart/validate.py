"""`salesmart validate`: Great Expectations at the landing gate.

Suites are generated from the raw contract (columns, types, required, accepted values) plus business
expectations (non-negative amounts, NPS 0..10, closed_at >= created_at). Cross-row checks (duplicate keys
within a file, fx coverage, email events without a message) are computed in DuckDB and handed to GX as
frames of offending rows that must be empty. GX runs on pandas frames (its SQL datasource returns nothing on
DuckDB); each file is validated in chunks so memory stays bounded on large batches.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from salesmart.config import Settings
from salesmart.contract import Table, load_contract

# DuckDB hands back 2,048-row vectors: about 250k rows per validated chunk.
CHUNK_VECTORS = 122
EXAMPLES = 5

# Contract type -> pandas dtype names DuckDB hands back for it.
PANDAS_TYPES = {
    "string": ["str", "object", "string"],
    # A BIGINT column with nulls arrives as float64: numpy integers cannot hold a missing value.
    "integer": ["int64", "int32", "float64"],
    "decimal": ["float64", "Float64"],
    "double": ["float64"],
    "boolean": ["bool"],
    "date": ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"],
    "timestamp": ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"],
}

# Business rules beyond the contract: (table, column) -> inclusive range.
VALUE_RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("crm.opportunities", "amount"): (0, None),
    ("crm.opportunity_history", "amount"): (0, None),
    ("crm.opportunity_line_items", "quantity"): (0, None),
    ("crm.opportunity_line_items", "unit_price"): (0, None),
    ("crm.opportunity_line_items", "discount_pct"): (0, 100),
    ("crm.order_lines", "quantity"): (0, None),
    ("crm.order_lines", "unit_price"): (0, None),
    ("crm.order_lines", "unit_cost"): (0, None),
    ("crm.order_lines", "discount_amount"): (0, None),
    ("crm.subscriptions", "mrr"): (0, None),
    ("crm.quotas", "quota_amount"): (0, None),
    ("crm.fx_rates", "rate_to_reporting"): (0, None),
    ("crm.nps_responses", "score"): (0, 10),
    ("crm.activities", "duration_seconds"): (0, None),
    ("marketing.ad_performance_daily", "impressions"): (0, None),
    ("marketing.ad_performance_daily", "clicks"): (0, None),
    ("marketing.ad_performance_daily", "spend"): (0, None),
    ("marketing.costs", "amount"): (0, None),
    ("hr.training_enrollments", "cost"): (0, None),
    ("hr.training_enrollments", "hours_spent"): (0, None),
    ("hr.training_enrollments", "assessment_score"): (0, 100),
    ("hr.time_entries", "hours"): (0, 24),
    ("hr.training_courses", "duration_hours"): (0, None),
}

# (table, later column, earlier column): the later one must not precede the earlier one.
ORDERED_PAIRS = [
    ("crm.opportunities", "closed_at", "created_at"),
    ("crm.support_tickets", "closed_at", "opened_at"),
    ("crm.subscriptions", "end_date", "start_date"),
    ("hr.requisitions", "filled_at", "opened_at"),
    ("hr.training_enrollments", "completed_at", "enrolled_at"),
    ("marketing.campaigns", "end_date", "start_date"),
]

# Money columns that need an fx rate on or before their date: (table, date expression).
MONEY_DATES = {
    "crm.opportunities": "coalesce(cast(closed_at as date), close_date, cast(created_at as date))",
    "crm.orders": "order_date",
    "crm.subscriptions": "start_date",
    "crm.products": "cast(updated_at as date)",
    "marketing.ad_performance_daily": "performance_date",
    "marketing.costs": "cost_date",
    "hr.training_enrollments": "cast(enrolled_at as date)",
}


# Where fx rates land: the contract's, and a connector CRM's currency table (crm_source salesforce reads
# DatedConversionRate instead of crm/fx_rates): (raw table, currency column, first-day expression).
RATE_TABLES = [
    ("raw_crm.fx_rates", "currency_code", "rate_date"),
    ("raw_salesforce.dated_conversion_rate", "iso_code", "cast(start_date as date)"),
]


def _rate_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """The RATE_TABLES that exist in the ledger (connector tables exist only once landed)."""
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }
    return [entry for entry in RATE_TABLES if entry[0] in existing]


@dataclass
class Failure:
    table: str
    source_file: str
    expectation: str
    column: str | None
    unexpected_count: int
    examples: list = field(default_factory=list)


@dataclass
class ValidationResult:
    batch_id: str | None
    files_checked: int = 0
    expectations_run: int = 0
    failures: list[Failure] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def messages(self) -> list[str]:
        """A readable summary: one line for the batch, one per failed expectation."""
        if self.batch_id is None:
            return ["validate: no loaded batch to validate"]
        lines = [
            f"validate: batch {self.batch_id}: {self.files_checked} file(s), {self.expectations_run} expectation "
            f"result(s), {len(self.failures)} failed" + (f"; Data Docs: {self.data_docs}" if self.data_docs else "")
        ]
        for failure in self.failures:
            column = f" column {failure.column}" if failure.column else ""
            lines.append(
                f"  FAILED {failure.table}{column}: {failure.expectation}, {failure.unexpected_count} row(s), "
                f"e.g. {failure.examples} (files: {failure.source_file})"
            )
        return lines


def build_suite_expectations(table: Table) -> list:
    """The contract's and the business rules' expectations for one raw table."""
    import great_expectations.expectations as gxe

    key = f"{table.system}.{table.name}"
    expectations: list = [gxe.ExpectTableColumnsToMatchSet(column_set=table.column_names, exact_match=False)]
    for col in table.columns:
        expectations.append(gxe.ExpectColumnValuesToBeInTypeList(column=col.name, type_list=PANDAS_TYPES[col.type]))
        if col.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.accepted:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.accepted)))
        low_high = VALUE_RANGES.get((key, col.name))
        if low_high:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(column=col.name, min_value=low_high[0], max_value=low_high[1])
            )
    for pair_table, later, earlier in ORDERED_PAIRS:
        if pair_table == key:
            expectations.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing"
                )
            )
    return expectations


def _integrity_frames(con: duckdb.DuckDBPyConnection, files: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Frames of offending rows (each must be empty): (check name, source file or '*', frame)."""
    contract = load_contract()
    duplicates = []
    for (system, table_name), table_files in files.groupby(["system", "table_name"], sort=True):
        key = f"{system}.{table_name}"
        table = contract[key]
        ids = ", ".join(str(int(i)) for i in table_files["file_id"])
        # Versioned tables: two versions of a key in one file must differ in their version column (updated_at,
        # Salesforce's system_modstamp), else only file order decides. Event tables: a repeated id must be an
        # identical re-send.
        version = [table.version_column] if table.version_column else []
        group = ", ".join([*table.primary_key, *version])
        # Counts first, then the line lists and the distinct-content check only for the repeated keys: over
        # every row of a 10M-row event table, per-group lists and sets took gigabytes.
        repeated = (
            f"select _file_id, {group} from {table.qualified_name} where _file_id in ({ids}) "
            f"group by _file_id, {group} having count(*) > 1"
        )
        same_key = " and ".join(f"t.{c} is not distinct from r.{c}" for c in ["_file_id", *table.primary_key, *version])
        conflicting = "count(*) > 1" if version else f"count(distinct ({', '.join(table.column_names)})) > 1"
        duplicates.append(
            f"select '{key}' as table_name, any_value(_source_file) as source_file, "
            f"concat_ws('|', {group}) as duplicated_key, count(*) as copies, "
            "list(_source_line order by _source_line) as lines "
            f"from {table.qualified_name} as t where t._file_id in ({ids}) "
            f"and exists (select 1 from ({repeated}) as r where {same_key}) "
            f"group by _file_id, {group} having {conflicting}"
        )
    if duplicates:
        frame = con.execute(" union all ".join(duplicates) + " order by table_name, source_file limit 1000").df()
        yield "one version per key and updated_at within a file", "*", frame

    file_ids = [int(i) for i in files["file_id"]]
    if not file_ids:
        return
    gaps = []
    for key, date_expr in MONEY_DATES.items():
        table = contract[key]
        gaps.append(
            f"select '{key}' as table_name, m.currency_code, min({date_expr}) as first_date, count(*) as rows "
            f"from {table.qualified_name} as m "
            "where m._file_id in (select unnest(?::bigint[])) and m.currency_code is not null "
            "and upper(m.currency_code) <> upper(?) "
            # A date has a rate on or before it when it is not before the currency's first rate (a join on
            # rate_date <= date paired every row with every earlier rate: gigabytes at scale 1).
            "and not exists (select 1 from first_rates as r where r.currency_code = m.currency_code "
            f"and r.first_rate_date <= {date_expr}) group by all"
        )
    reporting = os.environ.get("SALESMART_REPORTING_CURRENCY", "USD")
    params: list = []
    for _ in gaps:
        params += [file_ids, reporting]
    rates = " union all ".join(
        f"select {currency} as currency_code, {rate_date} as rate_date from {table}"
        for table, currency, rate_date in _rate_tables(con)
    )
    first_rates = f"first_rates as (select currency_code, min(rate_date) as first_rate_date from ({rates}) group by 1)"
    yield (
        "fx rate on or before every money date",
        "*",
        con.execute(f"with {first_rates} " + " union all ".join(gaps), params).df(),
    )
    yield (
        "email events refer to a known message",
        "*",
        con.execute(
            "select e.event_id, e.message_id, e._source_file, e._source_line from raw_email.events as e "
            "where e._file_id in (select unnest(?::bigint[])) "
            "and not exists (select 1 from raw_email.messages as m where m.message_id = e.message_id) "
            "order by e._file_id, e._source_line limit 1000",
            [file_ids],
        ).df(),
    )


def _as_gx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """GX 1.24 misreads pandas extension dtypes (str, Int64, boolean); hand it the plain numpy forms."""
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.StringDtype | pd.BooleanDtype):
            frame[column] = frame[column].astype(object)
        elif pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_integer_dtype(dtype):
            frame[column] = frame[column].astype("float64")
    return frame


def _gx_context(home: Path):
    """An in-memory GX context (no config or store files re-read on every run) whose Data Docs site is
    <home>/gx/uncommitted/data_docs/local_site, as a file context's would be."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = home / "gx" / "uncommitted" / "data_docs" / "local_site"
    context.update_data_docs_site(  # the ephemeral default site, moved onto disk
        site_name="local_site",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


class _GxRunner:
    """One GX context for the whole validation; each suite and its validation definition is saved once.

    Every chunk runs through one checkpoint per suite without actions; Data Docs are rendered once at the
    end for all the results (a checkpoint's UpdateDataDocsAction re-renders the site on every run).
    """

    def __init__(self, home: Path) -> None:
        self.context = _gx_context(home)
        self.source = self.context.data_sources.add_or_update_pandas("salesmart_landing")
        self.checkpoints: dict[str, object] = {}
        self.result_ids: list = []

    def _checkpoint(self, name: str, expectations: list):
        import great_expectations as gx

        try:
            asset = self.source.get_asset(name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name=name)
        try:
            batch_definition = asset.get_batch_definition("batch")
        except (KeyError, LookupError):
            batch_definition = asset.add_batch_definition_whole_dataframe("batch")
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        return self.context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{name}_checkpoint",
                validation_definitions=[definition],
                actions=[],
                result_format={"result_format": "SUMMARY"},
            )
        )

    def run(self, name: str, expectations: Callable[[], list], frame: pd.DataFrame) -> list:
        """Validate one frame against suite `name` (expectations() builds it on first use); GX results."""
        if name not in self.checkpoints:
            self.checkpoints[name] = self._checkpoint(name, expectations())
        run = self.checkpoints[name].run(batch_parameters={"dataframe": frame})
        # The pandas engine keeps each asset's last frame (one per table, all at once); drop it so memory
        # holds one chunk. GX has no public call for this.
        batches = self.source.get_execution_engine().batch_manager
        batches.reset_batch_cache()
        batches._batch_data_cache.clear()
        self.result_ids += list(run.run_results)
        return [result for run_result in run.run_results.values() for result in run_result.results]

    def build_data_docs(self) -> None:
        if self.result_ids:
            self.context.build_data_docs(resource_identifiers=self.result_ids)


def _failures_from(results: list, table: str, source_file: str) -> list[Failure]:
    failures = []
    for result in results:
        if result.success:
            continue
        kwargs = result.expectation_config.kwargs
        details = result.result or {}
        count = details.get("unexpected_count")
        if count is None:
            count = details.get("observed_value") if isinstance(details.get("observed_value"), int) else 1
        failures.append(
            Failure(
                table=table,
                source_file=source_file,
                expectation=result.expectation_config.type,
                column=kwargs.get("column") or kwargs.get("column_A"),
                unexpected_count=int(count or 0),
                examples=list(details.get("partial_unexpected_list") or [])[:EXAMPLES],
            )
        )
    return failures


def validate(settings: Settings, batch_id: str | None = None) -> ValidationResult:
    """Validate the files of one load batch (default: the latest) and build GX Data Docs under <home>/gx."""
    import great_expectations.expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    contract = load_contract()
    if not settings.build_db.exists():
        return ValidationResult(batch_id=None)
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        has_meta = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'loaded_files'"
        ).fetchone()[0]
        if not has_meta:
            return ValidationResult(batch_id=None)
        if batch_id is None:
            row = con.execute(
                "select batch_id from meta.loaded_files where status = 'loaded' order by file_id desc limit 1"
            ).fetchone()
            batch_id = row[0] if row else None
        result = ValidationResult(batch_id=batch_id)
        if batch_id is None:
            return result
        files = con.execute(
            "select file_id, system, table_name, source_file from meta.loaded_files "
            "where batch_id = ? and status = 'loaded' order by file_id",
            [batch_id],
        ).df()
        runner = _GxRunner(settings.home)
        for (system, table_name), table_files in files.groupby(["system", "table_name"], sort=True):
            key = f"{system}.{table_name}"
            table = contract[key]
            file_ids = [int(i) for i in table_files["file_id"]]
            columns = ", ".join(table.column_names)
            # No ORDER BY: a sort holds the whole table before the first chunk comes out, and a scan streams
            # rows in insertion order, which is load order (_file_id, _source_line), anyway.
            cursor = con.execute(
                f"select {columns} from {table.qualified_name} where _file_id in (select unnest(?::bigint[]))",
                [file_ids],
            )
            names = list(table_files["source_file"])
            source_files = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            while not (chunk := _as_gx_frame(cursor.fetch_df_chunk(CHUNK_VECTORS))).empty:
                results = runner.run(key, lambda table=table: build_suite_expectations(table), chunk)
                result.expectations_run += len(results)
                result.failures += _failures_from(results, key, source_files)
            result.files_checked += len(file_ids)
        for check, source_file, frame in _integrity_frames(con, files):
            name = "integrity." + check.replace(" ", "_")
            results = runner.run(name, lambda: [gxe.ExpectTableRowCountToEqual(value=0)], frame)
            result.expectations_run += len(results)
            for failure in _failures_from(results, check, source_file):
                failure.unexpected_count = len(frame)
                failure.examples = frame.head(EXAMPLES).to_dict("records")
                result.failures.append(failure)
        runner.build_data_docs()
        docs = settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        result.data_docs = docs if docs.exists() else None
        return result
    finally:
        con.close()
