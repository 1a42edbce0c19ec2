"""`salesmart validate`: the gate between landed files and the models (docs/data_quality.md, "The gate").

Every file `load` lands waits with meta.loaded_files.gate = 'pending'. validate checks each pending file (and
re-checks each file that failed before, so a file whose fx rate arrived later passes then) and records a
verdict per file: `passed` or `failed`. dbt reads only the gated_<system> views, which hold the rows of passed
(or `salesmart accept`ed) files: a row that has not passed cannot reach staging, whatever the order of runs.

The loader already enforces, row by row, the contract's types, required and accepted values and date window,
so the gate checks only what the loader does not: the business rules (RULES: value ranges and ordered column
pairs) and the cross-row integrity checks (one version per key and updated_at within a file; an fx rate on or
before every money date). Each rule is one data entry here, rendered twice: as SQL run in DuckDB where the data
is (one scan per table, counts per file), and as a Great Expectations suite for the documented contract
(GX Data Docs under <home>/gx, rendered again only when the rules change).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from salesmart.config import Settings, limit_memory
from salesmart.contract import Table, load_contract
from salesmart.gate import GATE_ACCEPTED, GATE_FAILED, GATE_OPEN, GATE_PASSED, GATE_PENDING, GATE_SUPERSEDED
from salesmart.load import has_column, has_table

EXAMPLES = 5

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

# Money-bearing tables: (currency column, the earliest date whose fx rate converts the row). Rates carry
# forward, so a rate on or before that date covers the later ones too. An opportunity converts at its created
# date (pipeline_generated) and at its closed date, or expected close date while open (bookings): the least of
# them (least() skips nulls). A connector CRM's own tables (crm_source salesforce, hubspot) are checked like
# the contract's.
MONEY_DATES = {
    "crm.opportunities": (
        "currency_code",
        "least(cast(created_at as date), coalesce(cast(closed_at as date), close_date))",
    ),
    "crm.orders": ("currency_code", "order_date"),
    "crm.subscriptions": ("currency_code", "start_date"),
    "crm.products": ("currency_code", "cast(updated_at as date)"),
    "marketing.ad_performance_daily": ("currency_code", "performance_date"),
    "marketing.costs": ("currency_code", "cost_date"),
    "hr.training_enrollments": ("currency_code", "cast(enrolled_at as date)"),
    "salesforce.opportunity": ("currency_iso_code", "least(cast(created_date as date), cast(close_date as date))"),
    "salesforce.order": ("currency_iso_code", "cast(effective_date as date)"),
    "salesforce.product_2": ("currency_iso_code", "cast(system_modstamp as date)"),
    "hubspot.deal": (
        "property_deal_currency_code",
        "least(cast(property_createdate as date), cast(property_closedate as date))",
    ),
}

# Where the fx rates dbt converts with land, per crm_source: the contract's crm/fx_rates, or the connector's
# currency table when it feeds fx_rates (salesforce: DatedConversionRate). (currency column, first day).
RATE_TABLES = {
    "crm.fx_rates": ("currency_code", "rate_date"),
    "salesforce.dated_conversion_rate": ("iso_code", "cast(start_date as date)"),
}

DUPLICATE_VERSIONS = "one version per key and updated_at within a file"
FX_COVERAGE = "fx rate on or before every money date"


@dataclass(frozen=True)
class Rule:
    """One row rule of a table: a GX expectation (its type and kwargs, for the suite) and the SQL condition
    that makes a row break it (for the check)."""

    expectation: str
    column: str
    kwargs: dict
    violation: str  # SQL over the raw table's columns

    @property
    def label(self) -> str:
        shown = {k: v for k, v in self.kwargs.items() if k not in ("column", "column_A", "column_B", "or_equal")}
        details = ", ".join(f"{k} {v}" for k, v in shown.items() if v is not None)
        if "column_B" in self.kwargs:
            details = f">= {self.kwargs['column_B']}"
        return f"{self.expectation} ({details})" if details else self.expectation


def table_rules(key: str) -> list[Rule]:
    """The business rules of table `key` ('<system>.<table>')."""
    rules = []
    for (table_key, column), (low, high) in VALUE_RANGES.items():
        if table_key != key:
            continue
        bounds = [f"{column} < {low}" if low is not None else None, f"{column} > {high}" if high is not None else None]
        rules.append(
            Rule(
                "expect_column_values_to_be_between",
                column,
                {"column": column, "min_value": low, "max_value": high},
                " or ".join(b for b in bounds if b),
            )
        )
    for table_key, later, earlier in ORDERED_PAIRS:
        if table_key == key:
            rules.append(
                Rule(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    later,
                    {"column_A": later, "column_B": earlier, "or_equal": True},
                    f"{later} < {earlier}",
                )
            )
    return rules


@dataclass
class Failure:
    file_id: int
    source_file: str
    table: str
    check: str  # an expectation's label or an integrity check's name
    column: str | None
    unexpected_count: int
    examples: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        column = f" column {self.column}" if self.column else ""
        return (
            f"FAILED {self.source_file} ({self.table}){column}: {self.check}, {self.unexpected_count} row(s), "
            f"e.g. {'; '.join(self.examples)}"
        )


@dataclass
class ValidationResult:
    files_checked: int = 0
    rules_checked: int = 0
    passed: list[str] = field(default_factory=list)
    newly_failed: list[str] = field(default_factory=list)
    still_failed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    full_refresh_reason: str | None = None
    data_docs: Path | None = None
    deferred: list[str] = field(default_factory=list)  # checks the gate cannot make here, and who makes them

    @property
    def ok(self) -> bool:
        """No file that was waiting for its first check failed (files held from earlier runs stay held)."""
        return not self.newly_failed

    @property
    def messages(self) -> list[str]:
        """A readable summary: one line for the check, one per failure, one for held files."""
        if not self.files_checked:
            docs = f"; Data Docs: {self.data_docs}" if self.data_docs else ""
            return [f"validate: no loaded file waits for the gate{docs}"]
        lines = [
            f"validate: {self.files_checked} file(s) checked against {self.rules_checked} rule(s): "
            f"{len(self.passed)} passed, {len(self.newly_failed) + len(self.still_failed)} failed"
            + (f"; Data Docs: {self.data_docs}" if self.data_docs else "")
        ]
        lines += [f"  {failure.message}" for failure in self.failures]
        if self.still_failed:
            lines.append(
                f"  held back since an earlier run (not in the models until corrected or accepted with "
                f"`salesmart accept`): {', '.join(self.still_failed)}"
            )
        if self.full_refresh_reason:
            lines.append(f"  {self.full_refresh_reason}")
        lines += [f"  {note}" for note in self.deferred]
        return lines


# ---------------------------------------------------------------- checks (DuckDB SQL)


def _rule_failures(con: duckdb.DuckDBPyConnection, table: Table, files: dict[int, str]) -> list[Failure]:
    """Counts per file and rule in one scan of the table; examples (line and value) only where a rule broke."""
    rules = table_rules(f"{table.system}.{table.name}")
    if not rules:
        return []
    counts = ", ".join(f"count(*) filter (where {rule.violation}) as r{i}" for i, rule in enumerate(rules))
    found = con.execute(
        f"select _file_id, {counts} from {table.qualified_name} "
        "where _file_id in (select unnest(?::bigint[])) group by _file_id",
        [list(files)],
    ).fetchall()
    failures = []
    for file_id, *per_rule in found:
        for rule, count in zip(rules, per_rule, strict=True):
            if not count:
                continue
            columns = [rule.column] + ([rule.kwargs["column_B"]] if "column_B" in rule.kwargs else [])
            shown = " || ' / ' || ".join(f"coalesce(cast({c} as varchar), 'null')" for c in columns)
            examples = con.execute(
                f"select _source_line, {shown} from {table.qualified_name} where _file_id = ? and ({rule.violation}) "
                f"order by _source_line limit {EXAMPLES}",
                [file_id],
            ).fetchall()
            failures.append(
                Failure(
                    file_id,
                    files[file_id],
                    f"{table.system}.{table.name}",
                    rule.label,
                    rule.column,
                    count,
                    [f"line {line}: {value}" for line, value in examples],
                )
            )
    return failures


def _duplicate_failures(con: duckdb.DuckDBPyConnection, table: Table, files: dict[int, str]) -> list[Failure]:
    """Versioned tables: two versions of a key in one file must differ in their version column (updated_at,
    Salesforce's system_modstamp), else only file order decides. Event tables: a repeated id must be an
    identical re-send."""
    version = [table.version_column] if table.version_column else []
    group = ", ".join([*table.primary_key, *version])
    # Counts first; lines and the distinct-content check only for repeated keys (per-group lists and sets over
    # every row of a 10M-row event table took gigabytes).
    repeated = (
        f"select _file_id, {group} from {table.qualified_name} where _file_id in (select unnest(?::bigint[])) "
        f"group by _file_id, {group} having count(*) > 1"
    )
    same_key = " and ".join(f"t.{c} is not distinct from r.{c}" for c in ["_file_id", *table.primary_key, *version])
    conflicting = "count(*) > 1" if version else f"count(distinct ({', '.join(table.column_names)})) > 1"
    found = con.execute(
        f"select _file_id, concat_ws('|', {group}) as duplicated_key, "
        "list(_source_line order by _source_line) as lines "
        f"from {table.qualified_name} as t where exists (select 1 from ({repeated}) as r where {same_key}) "
        f"group by _file_id, {group} having {conflicting} order by _file_id, min(_source_line)",
        [list(files)],
    ).fetchall()
    by_file: dict[int, list[str]] = {}
    for file_id, key, lines in found:
        by_file.setdefault(file_id, []).append(f"key {key} on lines {', '.join(str(n) for n in lines)}")
    return [
        Failure(file_id, files[file_id], f"{table.system}.{table.name}", DUPLICATE_VERSIONS, None, len(keys), keys[:5])
        for file_id, keys in by_file.items()
    ]


def rate_table(crm_source: str | None) -> str:
    """'<system>.<table>' of the fx rates dbt converts with under `crm_source` (stg_crm__fx_rates' input)."""
    from salesmart.connectors import connector_feeds

    feeds = connector_feeds(crm_source)
    return f"{crm_source}.{feeds['fx_rates']}" if "fx_rates" in feeds else "crm.fx_rates"


def _fx_failures(
    con: duckdb.DuckDBPyConnection, files: dict[int, str], candidates: list[int], rates_key: str
) -> list[Failure]:
    """Money rows whose currency has no rate on or before their date, among the rates (table `rates_key`) of
    files that passed or are being checked now (a date not before the currency's first rate has one on or
    before it)."""
    contract = load_contract()
    reporting = os.environ.get("SALESMART_REPORTING_CURRENCY", "USD")
    gate_open = ", ".join(f"'{g}'" for g in GATE_OPEN)
    currency, first_day = RATE_TABLES[rates_key]
    rates_table = contract[rates_key].qualified_name
    rates = f"select {currency} as currency_code, {first_day} as rate_date, _file_id from {rates_table}"
    first_rates = (
        f"first_rates as (select currency_code, min(rate_date) as first_rate_date from ({rates}) as rates "
        f"where _file_id in (select file_id from meta.loaded_files where gate in ({gate_open})) "
        "or _file_id in (select unnest(?::bigint[])) group by 1)"
    )
    gaps = []
    for key, (currency, date_expr) in MONEY_DATES.items():
        table = contract[key]
        if not has_table(con, table.raw_schema, table.name):
            continue
        gaps.append(
            f"select '{key}' as table_name, '{currency}' as column_name, _file_id, {currency} as currency_code, "
            f"{date_expr} as money_date, _source_line from {table.qualified_name} as m "
            f"where _file_id in (select unnest(?::bigint[])) and {currency} is not null "
            f"and upper({currency}) <> upper(?) and not exists (select 1 from first_rates as r "
            f"where r.currency_code = m.{currency} and r.first_rate_date <= {date_expr})"
        )
    params: list = [candidates]
    for _ in gaps:
        params += [list(files), reporting]
    found = con.execute(
        f"with {first_rates}, gaps as ({' union all '.join(gaps)}) "
        "select table_name, column_name, _file_id, count(*), "
        f"list(currency_code || ' ' || money_date || ' on line ' || _source_line order by _source_line)[1:{EXAMPLES}] "
        "from gaps group by all order by _file_id",
        params,
    ).fetchall()
    return [
        Failure(file_id, files[file_id], table_name, FX_COVERAGE, column, count, examples)
        for table_name, column, file_id, count, examples in found
    ]


# ---------------------------------------------------------------- the suites as GX documentation


def build_suite_expectations(table: Table) -> list:
    """The GX expectations that document table `table`'s gate rules (the same Rule entries the SQL checks)."""
    import great_expectations.expectations as gxe

    classes = {
        "expect_column_values_to_be_between": gxe.ExpectColumnValuesToBeBetween,
        "expect_column_pair_values_a_to_be_greater_than_b": gxe.ExpectColumnPairValuesAToBeGreaterThanB,
    }
    return [classes[rule.expectation](**rule.kwargs) for rule in table_rules(f"{table.system}.{table.name}")]


def _rules_fingerprint() -> str:
    rules = {key: [(r.expectation, r.kwargs) for r in table_rules(key)] for key in sorted(load_contract())}
    return hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()


def render_data_docs(home: Path) -> Path:
    """GX Data Docs of the gate's suites under <home>/gx (ephemeral context, site on disk); skipped when the
    rules are those already rendered (importing GX alone takes seconds)."""
    site = home / "gx" / "uncommitted" / "data_docs" / "local_site"
    index = site / "index.html"
    stamp = site / ".rules.sha256"
    fingerprint = _rules_fingerprint()
    if index.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return index
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    context = gx.get_context(mode="ephemeral")
    context.update_data_docs_site(
        site_name="local_site",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    for key, table in sorted(load_contract().items()):
        expectations = build_suite_expectations(table)
        if expectations:
            context.suites.add(gx.ExpectationSuite(name=f"gate.{key}", expectations=expectations))
    context.build_data_docs()
    stamp.write_text(fingerprint)
    return index


# ---------------------------------------------------------------- the verdicts


def validate(settings: Settings, data_docs: bool = False, crm_source: str | None = None) -> ValidationResult:
    """Check every file waiting for the gate (or held by it) and record a verdict per file; with data_docs,
    render the gate's suites as GX Data Docs too. `crm_source` (default: the settings') picks the fx rates."""
    result = ValidationResult()
    crm_source = crm_source or settings.crm_source or "salesmart"
    if not settings.build_db.exists():
        return result
    contract = load_contract()
    con = duckdb.connect(str(settings.build_db))
    try:
        limit_memory(con, settings.memory_limit)
        if not has_column(con, "meta", "loaded_files", "gate"):
            return result
        rows = con.execute(
            "select file_id, system, table_name, source_file, gate from meta.loaded_files "
            "where status = 'loaded' and gate in (?, ?) order by file_id",
            [GATE_PENDING, GATE_FAILED],
        ).fetchall()
        if not rows:
            if data_docs:
                result.data_docs = render_data_docs(settings.home)
            return result
        by_table: dict[str, dict[int, str]] = {}
        for file_id, system, table_name, source_file, _ in rows:
            by_table.setdefault(f"{system}.{table_name}", {})[file_id] = source_file
        failures: list[Failure] = []
        for key, files in sorted(by_table.items()):
            failures += _rule_failures(con, contract[key], files)
            failures += _duplicate_failures(con, contract[key], files)
            result.rules_checked += len(table_rules(key)) + 1
        money = {
            file_id: name for key, files in by_table.items() if key in MONEY_DATES for file_id, name in files.items()
        }
        rates_key = rate_table(crm_source)
        rates = contract[rates_key]
        if money and has_table(con, rates.raw_schema, rates.name):
            failures += _fx_failures(con, money, [file_id for file_id, *_ in rows], rates_key)
            result.rules_checked += 1
        elif money:
            result.deferred.append(
                f"fx coverage not checked here: the rates ({rates_key}) are in the {crm_source} connector's "
                "schema in the warehouse, not landed; dbt's not_null tests on the converted amounts check it"
            )
        result.failures = sorted(failures, key=lambda f: (f.file_id, f.check))
        result.files_checked = len(rows)
        _record_verdicts(con, rows, result)
    finally:
        con.close()
    if data_docs:
        result.data_docs = render_data_docs(settings.home)
    return result


def _record_verdicts(con: duckdb.DuckDBPyConnection, rows: list[tuple], result: ValidationResult) -> None:
    """Write each file's gate verdict; a failed file whose path passed later is superseded (the corrected
    re-send); a file that opens the gate below the newest file already open asks for a full refresh (the
    incremental models only take files above their watermark)."""
    failed_ids = {f.file_id for f in result.failures}
    notes = {}
    for failure in result.failures:
        notes.setdefault(failure.file_id, []).append(failure.message)
    now = datetime.now(UTC).replace(tzinfo=None)
    (newest_open,) = con.execute(
        f"select coalesce(max(file_id), 0) from meta.loaded_files where gate in ({', '.join('?' for _ in GATE_OPEN)})",
        list(GATE_OPEN),
    ).fetchone()
    late = []
    con.execute("begin transaction")
    for file_id, _, _, source_file, gate in rows:
        verdict = GATE_FAILED if file_id in failed_ids else GATE_PASSED
        con.execute(
            "update meta.loaded_files set gate = ?, gate_checked_at = ?, gate_note = ? where file_id = ?",
            [verdict, now, "\n".join(notes.get(file_id, [])) or None, file_id],
        )
        if verdict == GATE_PASSED:
            result.passed.append(source_file)
            if file_id < newest_open:
                late.append(source_file)
        elif gate == GATE_PENDING:
            result.newly_failed.append(source_file)
        else:
            result.still_failed.append(source_file)
    con.execute(
        "update meta.loaded_files as held set gate = ? where gate = ? and exists (select 1 from meta.loaded_files "
        "as later where later.source_file = held.source_file and later.file_id > held.file_id and later.gate = ?)",
        [GATE_SUPERSEDED, GATE_FAILED, GATE_PASSED],
    )
    if late:
        result.full_refresh_reason = request_full_refresh(
            con, f"file(s) passed the gate after newer files were built: {', '.join(late[:3])}"
        )
    con.execute("commit")
    # A superseded file is no longer held: do not report it as such.
    superseded = {
        name
        for (name,) in con.execute(
            "select source_file from meta.loaded_files where gate = ?", [GATE_SUPERSEDED]
        ).fetchall()
    }
    result.still_failed = [name for name in result.still_failed if name not in superseded]


def request_full_refresh(con: duckdb.DuckDBPyConnection, reason: str) -> str:
    """Record in the ledger that the next build must rebuild incremental models from every open file."""
    con.execute(
        "insert into meta.full_refresh_requests values (?, ?)", [datetime.now(UTC).replace(tzinfo=None), reason]
    )
    return f"{reason}: the next build is a full refresh"


def accept(settings: Settings, source_files: list[str]) -> list[str]:
    """Open the gate for failed files by hand (`salesmart accept`); returns the files accepted.

    ValueError names a file that is not held by the gate.
    """
    con = duckdb.connect(str(settings.build_db)) if settings.build_db.exists() else None
    if con is None:
        raise ValueError(f"nothing loaded yet in {settings.home}")
    try:
        held = dict(
            con.execute(
                "select source_file, max(file_id) from meta.loaded_files where gate = ? group by source_file",
                [GATE_FAILED],
            ).fetchall()
        )
        unknown = [name for name in source_files if name not in held]
        if unknown:
            listed = ", ".join(sorted(held)) or "none"
            raise ValueError(f"not held by the gate: {', '.join(unknown)} (held files: {listed})")
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute("begin transaction")
        for name in source_files:
            con.execute(
                "update meta.loaded_files set gate = ?, gate_checked_at = ?, "
                "gate_note = coalesce(gate_note, '') || '\naccepted by hand' where file_id = ?",
                [GATE_ACCEPTED, now, held[name]],
            )
        request_full_refresh(con, f"file(s) accepted by hand: {', '.join(source_files[:3])}")
        con.execute("commit")
        return source_files
    finally:
        con.close()
