"""The README's BI access sample query runs, read-only, against the published file of a built warehouse."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from salesmart.config import project_root

MARKER = "<!-- bi-sample-query -->"


def readme_sample_query() -> str:
    text = (project_root() / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```sql\n(.*?)```", text, re.DOTALL)
    assert match, f"README.md: no ```sql block after {MARKER}"
    return match.group(1)


def test_readme_has_the_sample_query() -> None:
    assert "from marts.kpi_metric_values" in readme_sample_query()


@pytest.mark.slow
def test_sample_query_on_the_published_file(pipeline_warehouse: Path) -> None:
    # Hand-made pipeline landing (test_pipeline_kpis.py): Q1 2026 bookings 1000 + 6000 + 3500 USD against
    # a company target of 12000; 3 wins and 1 loss closed in Q1. Q1 is the first quarter: no prior value.
    with duckdb.connect(str(pipeline_warehouse / "salesmart.duckdb"), read_only=True) as con:
        rows = con.execute(readme_sample_query()).fetchall()
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table marts.scratch as select 1 as x")
    assert [(r[0], r[1]) for r in rows] == [("bookings", date(2026, 1, 1)), ("win_rate", date(2026, 1, 1))]
    bookings, win_rate = rows
    assert bookings[2] == pytest.approx(10500)
    assert bookings[3] is None
    assert bookings[4:] == (pytest.approx(12000), pytest.approx(10500 / 12000))
    assert win_rate[2] == pytest.approx(3 / 4)
    assert win_rate[4:] == (None, None)
