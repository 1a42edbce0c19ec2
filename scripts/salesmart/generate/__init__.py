"""Demo-data generator: a consistent, deterministic, messy landing set for all 31 raw contract tables.

Volumes grow linearly with `scale` and `months` (scale 1 over 12 months: about 200 reps, 20,000 accounts,
100,000 opportunities, 3 million activities, 10 million email events), with floors so that every metric
still has data at tiny scales. Everything is vectorised with numpy; DuckDB formats the rows and writes the
CSV files, pyarrow the Parquet files.

Files: `<out>/<system>/<table>/<YYYY-MM-DD>.csv` (email messages and events: `.parquet`). The first file of
a table is the initial full extract, named the day before the window; then one incremental file per month,
named its last day, holding the rows whose updated_at (or event time) falls in that month. Messiness, as
the contract allows: earlier versions of some keys in earlier files (older updated_at, earlier values),
delete markers (is_deleted = true) in later files, about 0.4% of email events repeated in the next month's
file, about 2% of timestamps written with a UTC offset (e.g. -02:00), amounts in USD, EUR and GBP.
Opportunities start 90 days before the window so that the first months already have a pipeline, and
customers at the start have a first order and subscription before it.

Streaming, so that memory does not grow with the volumes: the tables that grow with scale are generated
and written `block_rows` (250,000) rows at a time, each block's arrays dropped once the writer has them:
deals (with their stage histories; blocks of 50,000 deals), leads, deals' rows and line items, e-mail
messages with their events, and activities (calls with the meetings they book, meetings booked by e-mail
replies, activities on deals). Ids run on from block to block. What later stages draw on stays whole, a
few values per entity: per deal 16 (DEAL_STATE in crm.py), per lead 3, users, accounts and contacts, the
line items of won deals, the replies that book meetings. Other versioned tables larger than a block are
written a block of keys at a time with their earlier versions and deletes, and the writer formats at most
500,000 rows at a time (writer.py). Each block draws from its own random stream, numpy's
SeedSequence(seed, spawn_key=(stream, block)), so a block's rows do not depend on how much the blocks before
it drew; the files depend on the seed and on `block_rows`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from salesmart.generate.common import BLOCK_ROWS
from salesmart.generate.crm import CrmTables
from salesmart.generate.crm_activity import ActivityTables
from salesmart.generate.crm_other import OtherCrmTables
from salesmart.generate.email import EmailTables
from salesmart.generate.hr import HrTables
from salesmart.generate.marketing import MarketingTables
from salesmart.generate.writer import PARTS_PREFIX


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    start: dt.date = dt.date(2025, 1, 1),
    months: int = 12,
    on_stage: Callable[[str, int, int], None] | None = None,
    block_rows: int = BLOCK_ROWS,
) -> dict[str, int]:
    """Write every raw contract table under `out_dir/<system>/<table>/` and return rows per 'system.table'.

    `on_stage(name, index, total)` is called before each generation stage (progress display). `block_rows`
    is how many rows the large tables are generated and written at a time (it bounds memory; the files
    depend on it as on the seed).

    `start` is moved to the first day of its month; the window is `months` whole months from there.
    The system folders (crm, email, marketing, hr) under `out_dir` are deleted first, so a rerun with the
    same seed gives byte-identical files and no stale file survives.
    """
    if scale <= 0:
        raise ValueError(f"generate: scale must be > 0, got {scale}")
    if months < 1:
        raise ValueError(f"generate: months must be >= 1, got {months}")
    if block_rows < 1:
        raise ValueError(f"generate: block_rows must be >= 1, got {block_rows}")
    out_dir = Path(out_dir)
    for system in ("crm", "email", "marketing", "hr"):
        shutil.rmtree(out_dir / system, ignore_errors=True)
    for stale in out_dir.glob(f"{PARTS_PREFIX}*"):  # part files of a generator that was killed
        shutil.rmtree(stale, ignore_errors=True)
    start = dt.date(start.year, start.month, 1)
    g = Generator(out_dir, scale, seed, start, months, block_rows)
    try:
        g.run(on_stage)
    except BaseException:
        g.w.close(join=False)
        raise
    g.w.close()
    return dict(sorted(g.w.counts.items()))


class Generator(CrmTables, ActivityTables, OtherCrmTables, EmailTables, MarketingTables, HrTables):
    """One generator state shared by every source system: later systems draw on what earlier ones made
    (e-mails on leads and deals, HR on the CRM's users). The random streams (the main one, drawn in a fixed
    stage order, and one per block of the blocked stages) all derive from the seed: that is what makes the
    files byte-identical for a seed."""

    def run(self, on_stage: Callable[[str, int, int], None] | None = None) -> None:
        stages = [
            ("people", self.org),
            ("campaigns", self.campaigns),
            ("accounts", self.accounts),
            ("opportunities", self.opportunities),
            ("leads", self.leads),
            ("orders", self.orders),
            ("e-mails", self.emails),
            ("activities", self.activities),
            ("other CRM tables", self.crm_misc),
            ("marketing", self.marketing),
            ("HR", self.hr),
            ("fx rates", self.fx),
        ]
        total = len(stages) + 1  # the last step is the writer's flush in generate()
        for index, (name, stage) in enumerate(stages):
            if on_stage is not None:
                on_stage(name, index, total)
            stage()
        if on_stage is not None:
            on_stage("writing files", len(stages), total)
