"""What every source system's generator shares: the generator state and its helpers (volumes, random
times, versioned writes), the reference data and the category codes more than one system uses.

Categories travel as integer codes into a vocabulary (writer.Cat); the IntEnums below name the codes and
`vocab()` gives the strings they stand for, so a code is never a bare number in the generators.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path

import numpy as np

from salesmart.generate.writer import DAY, Cat, Ids, IntN, LandingWriter, Sql, add_months, epoch_seconds

HOUR = 3_600
BLOCK_ROWS = 250_000  # rows generated (and written) at a time by the stages that stream


class Stream(IntEnum):
    """The random streams of the stages generated in blocks: block b of stream s draws from (seed, s, b)."""

    EMAILS = 1
    OPPORTUNITIES = 2
    CALLS = 3
    EMAIL_MEETINGS = 4
    DEAL_ACTIVITIES = 5
    VERSIONS = 6
    LEADS = 7
    OPPORTUNITY_ROWS = 8
    USER_EVENTS = 9
    TIME_ENTRIES = 10


def vocab(codes: type[IntEnum]) -> tuple[str, ...]:
    """The strings an enum's codes stand for (member names in lower case, in code order 0, 1, ...)."""
    return tuple(member.name.lower() for member in codes)


class Role(IntEnum):
    """crm.users.role. The sales roles come first: `role <= SALES_MANAGER` is a sales person."""

    SALES_REP = 0
    SDR = 1
    SALES_MANAGER = 2
    MARKETING = 3
    OTHER = 4  # the integration user, who is no employee


SELLER_ROLES = (Role.SALES_REP, Role.SDR)  # the roles that own leads and work them


class TerminationReason(IntEnum):
    VOLUNTARY = 0
    INVOLUNTARY = 1


class Segment(IntEnum):
    SMB = 0
    MID_MARKET = 1
    ENTERPRISE = 2


class Currency(IntEnum):
    USD = 0
    EUR = 1
    GBP = 2


class Stage(IntEnum):
    """Opportunity stages: the contract's ordered (open) stages, then its closed ones (checked against it
    in CrmTables.opportunities)."""

    PROSPECTING = 0
    QUALIFICATION = 1
    DISCOVERY = 2
    PROPOSAL = 3
    NEGOTIATION = 4
    CLOSED_WON = 5
    CLOSED_LOST = 6


N_OPEN_STAGES = int(Stage.CLOSED_WON)  # the open stages are codes 0 .. N_OPEN_STAGES - 1


class LeadSource(IntEnum):
    PAID_SEARCH = 0
    PAID_SOCIAL = 1
    ORGANIC = 2
    EMAIL = 3
    EVENT = 4
    REFERRAL = 5
    OUTBOUND = 6


class Channel(IntEnum):
    """marketing.campaigns.channel."""

    PAID_SEARCH = 0
    PAID_SOCIAL = 1
    EMAIL = 2
    EVENT = 3
    CONTENT = 4


class ActivityType(IntEnum):
    CALL = 0
    MEETING = 1
    PROPOSAL = 2
    DEMO = 3
    TASK = 4


CURRENCIES = tuple(c.name for c in Currency)  # ISO codes: upper case
# USD per unit of each Currency: the base of the daily fx rates, and the rough factor that expresses
# amounts in an account's currency.
USD_PER_UNIT = np.array([1.0, 1.08, 1.27])
LOCAL_PER_USD = 1 / USD_PER_UNIT

# id, name, region, country, currency
TERRITORIES = [
    ("us_east", "US East", "NA", "US", "USD"),
    ("us_west", "US West", "NA", "US", "USD"),
    ("canada", "Canada", "NA", "CA", "USD"),
    ("uk_ireland", "UK & Ireland", "EMEA", "GB", "GBP"),
    ("dach", "DACH", "EMEA", "DE", "EUR"),
    ("france", "France", "EMEA", "FR", "EUR"),
    ("nordics", "Nordics", "EMEA", "SE", "EUR"),
    ("benelux", "Benelux", "EMEA", "NL", "EUR"),
    ("anz", "Australia & NZ", "APAC", "AU", "USD"),
    ("japan", "Japan", "APAC", "JP", "USD"),
    ("brazil", "Brazil", "LATAM", "BR", "USD"),
    ("mexico", "Mexico", "LATAM", "MX", "USD"),
]
TERRITORY_IDS = tuple(t[0] for t in TERRITORIES)
# Currency of each territory's accounts and people.
TERRITORY_CURRENCY = np.array([CURRENCIES.index(t[4]) for t in TERRITORIES])

# name, family, list price (USD), unit cost share
PRODUCTS = [
    ("Platform Starter", "platform", 1_200.0, 0.15),
    ("Platform Pro", "platform", 4_800.0, 0.15),
    ("Platform Enterprise", "platform", 18_000.0, 0.12),
    ("Analytics Add-on", "analytics", 2_400.0, 0.20),
    ("Forecasting", "analytics", 3_600.0, 0.20),
    ("Data Connectors", "add_on", 900.0, 0.25),
    ("Premium Support", "add_on", 1_500.0, 0.40),
    ("Onboarding Package", "services", 5_000.0, 0.60),
    ("Training Days", "services", 1_800.0, 0.55),
    ("Consulting Hours", "services", 250.0, 0.65),
    ("Legacy Reports", "analytics", 600.0, 0.30),
    ("Mobile App", "add_on", 700.0, 0.25),
]
PRODUCT = {name: index for index, (name, *_) in enumerate(PRODUCTS)}  # product code by name
LIST_PRICES = np.array([p[2] for p in PRODUCTS])

FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kenji",
    "Lea",
)
LAST_NAMES = ("Smith", "Müller", "Dubois", "García", "Rossi", "Tanaka", "Silva", "Novak", "O'Brien", "Jensen")
# UTC offsets (minutes) some timestamps are written with
OFFSETS_MIN = np.array([-120, -180, -300, 60, 120, 330])


class GeneratorBase:
    """The state every stage shares (the random stream, the writer, the window) and the helpers they use.
    Times are epoch seconds; T0 .. T1 is the window."""

    def __init__(
        self, out_dir: Path, scale: float, seed: int, start: dt.date, months: int, block_rows: int = BLOCK_ROWS
    ) -> None:
        self.seed = seed
        self.block_rows = block_rows
        self.rng = np.random.default_rng(seed)
        self.w = LandingWriter(out_dir, start, months)
        self.scale = scale
        self.months = months
        self.flow = scale * months / 12  # multiplier for volumes that accrue over time
        self.T0 = epoch_seconds(start)
        self.T1 = epoch_seconds(add_months(start, months))
        days = np.arange(self.T0 // DAY, self.T1 // DAY)
        self.workdays = days[(days + 3) % 7 < 5]
        self.month_bounds = self.w.bounds

    def blocks(self, n: int, *stream: int, size: int | None = None) -> Iterator[tuple[int, int]]:
        """The ranges lo..hi of n rows, `size` (default block_rows) at a time. While the caller generates a
        block, self.rng is that block's own random stream (seed, *stream, block number), so what a block draws
        does not depend on what the blocks before it drew; the enclosing stream is back afterwards."""
        size = size or self.block_rows
        outer = self.rng
        try:
            for block, lo in enumerate(range(0, n, size)):
                self.rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(*stream, block)))
                yield lo, min(lo + size, n)
        finally:
            self.rng = outer

    def u(self, n: int, lo: float, hi: float) -> np.ndarray:
        return lo + (hi - lo) * self.rng.random(n)

    def secs(self, n: int, lo: float, hi: float) -> np.ndarray:
        return (self.u(n, lo, hi)).astype(np.int64)

    def clip_t(self, t: np.ndarray) -> np.ndarray:
        return np.minimum(t, self.T1 - 1)

    def biz(self, t: np.ndarray) -> np.ndarray:
        """Move times onto a weekday (Sat/Sun -> Fri) between 08:00 and 18:00 UTC."""
        day = t // DAY
        wd = (day + 3) % 7
        day = day - np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
        return day * DAY + 8 * HOUR + self.secs(len(t), 0, 10 * HOUR)

    def offsets(self, n: int, share: float) -> np.ndarray:
        off = np.zeros(n, dtype=np.int32)
        hit = self.rng.random(n) < share
        off[hit] = self.rng.choice(OFFSETS_MIN, hit.sum())
        return off

    def in_active(self, who: np.ndarray, n: int, lead_in: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """n (user, time) pairs: users from `who` weighted by time employed in the window (extended
        `lead_in` seconds before it), time uniform in that span."""
        a = np.maximum(self.hire, self.T0 - lead_in) if lead_in else self.act_from
        w = np.maximum(self.act_to[who] - a[who], 0).astype(float)
        pick = who[self.rng.choice(len(who), n, p=w / w.sum())]
        t = a[pick] + (self.rng.random(n) * (self.act_to[pick] - a[pick])).astype(np.int64)
        return pick, t

    def lead_time(self, idx: np.ndarray, max_gap: int) -> np.ndarray:
        """A time within `max_gap` after each lead's creation, inside the window."""
        lo = np.maximum(self.lead_created[idx], self.T0)
        hi = np.maximum(np.minimum(lo + max_gap, self.T1 - HOUR), lo)
        return lo + (self.rng.random(len(idx)) * (hi - lo)).astype(np.int64)

    def opp_pick(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """k (opportunity, time) pairs for touches: deals alive in the window, time inside the window."""
        o = self.opp
        live = np.flatnonzero(o["end_t"] > self.T0 + DAY)
        idx = live[self.rng.integers(0, len(live), k)]
        lo = np.maximum(o["created"][idx], self.T0)
        return idx, lo + (self.rng.random(k) * (o["end_t"][idx] - lo)).astype(np.int64)

    def pick_in_range(self, first: np.ndarray, count: np.ndarray) -> np.ndarray:
        return first + (self.rng.random(len(first)) * count).astype(np.int64)

    def write_versioned(
        self,
        key: str,
        cols: dict,
        created: np.ndarray,
        old_share: float = 0.0,
        old_values=None,
        del_share: float = 0.0,
        offset_share: float = 0.0,
        fmt: str = "csv",
    ) -> None:
        """Write a mutable table: final rows, plus earlier versions of some keys (older updated_at, earlier
        values) and later delete markers (is_deleted = true), each in the extract file of its updated_at.
        Keys go block_rows at a time, each block with its versions and deletes, so the stacked copy stays small."""
        upd = cols["updated_at"]
        n = len(upd)
        # a table of one block stays on the enclosing stream; a larger one has a stream per table and block
        whole = [(0, n)] if n <= self.block_rows else self.blocks(n, Stream.VERSIONS, zlib.crc32(key.encode()))
        for lo, hi in whole:
            rng = self.rng
            rows = np.arange(lo, hi)
            parts: list[tuple[np.ndarray, dict]] = [(rows, {})]
            if old_share:
                io = rows[(upd[rows] - created[rows] > 2 * HOUR) & (rng.random(len(rows)) < old_share)]
                over = old_values(io) if old_values else {}
                gap = upd[io] - created[io] - HOUR
                over["updated_at"] = created[io] + (rng.random(len(io)) * gap).astype(np.int64)
                parts.append((io, over))
            if del_share:
                idl = rows[(upd[rows] < self.T1 - 2 * HOUR) & (rng.random(len(rows)) < del_share)]
                later = upd[idl] + self.secs(len(idl), HOUR, 20 * DAY)
                parts.append((idl, {"updated_at": self.clip_t(later), "is_deleted": True}))
            out = stack(cols, parts)
            total = len(out["updated_at"])
            self.w.write(key, out, self.w.file_index(out["updated_at"]), self.offsets(total, offset_share), fmt)

    def write_events(self, key: str, cols: dict, at: np.ndarray, offset_share: float = 0.0, fmt="csv") -> None:
        self.w.write(key, cols, self.w.file_index(at), self.offsets(len(at), offset_share), fmt)


def name_sql(id_col: str) -> str:
    first = ", ".join(f"'{n}'" for n in FIRST_NAMES)
    last = ", ".join(f"'{n}'" for n in LAST_NAMES if "'" not in n) + ", 'O''Brien'"
    return (
        f"[{first}][1 + {id_col} % {len(FIRST_NAMES)}] || ' ' || "
        f"[{last}][1 + ({id_col} // {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]"
    )


def stack(cols: dict, parts: list[tuple[np.ndarray, dict]]) -> dict:
    """Concatenate row subsets of `cols`, each part overriding some columns (scalars broadcast)."""
    out: dict = {}
    for name, value in cols.items():
        if isinstance(value, Sql):
            out[name] = value
            continue
        inner = (
            value.values
            if isinstance(value, Ids | IntN)
            else value.codes
            if isinstance(value, Cat)
            else np.asarray(value)
        )
        chunks = []
        for idx, over in parts:
            if name in over:
                chunks.append(np.broadcast_to(np.asarray(over[name], dtype=inner.dtype), (len(idx),)))
            else:
                chunks.append(inner[idx])
        arr = np.concatenate(chunks)
        if isinstance(value, Ids):
            out[name] = Ids(value.prefix, arr)
        elif isinstance(value, IntN):
            out[name] = IntN(arr)
        elif isinstance(value, Cat):
            out[name] = Cat(value.vocab, arr)
        else:
            out[name] = arr
    return out
