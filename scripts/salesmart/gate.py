"""The gate between landed files and the models (docs/data_quality.md, "The gate"): its verdicts and views."""

from __future__ import annotations

# meta.loaded_files.gate of a loaded file (docs/data_quality.md, "The gate"): `pending` until `validate` has
# checked it, then `passed` or `failed`; `accepted` by `salesmart accept`; `superseded` when a file of the same
# path passed later (the corrected re-send). Only rows of passed or accepted files are in the gated_* views,
# the only relations dbt reads, so a row that has not passed the gate cannot reach staging.
GATE_PENDING, GATE_PASSED, GATE_FAILED, GATE_ACCEPTED, GATE_SUPERSEDED = (
    "pending",
    "passed",
    "failed",
    "accepted",
    "superseded",
)
GATE_OPEN = (GATE_PASSED, GATE_ACCEPTED)


def gated_view_sql(raw_table: str, gated_view: str) -> str:
    """The view dbt reads instead of a raw table: the rows of files that passed the gate (or were accepted).

    One definition for every engine the ledger is copied to (DuckDB, PostgreSQL; Spark's is the same text).
    """
    gate_open = ", ".join(f"'{g}'" for g in GATE_OPEN)
    return (
        f"create or replace view {gated_view} as select * from {raw_table} "
        f"where _file_id in (select file_id from meta.loaded_files where gate in ({gate_open}))"
    )
