"""Demo-data generator: a consistent, deterministic, messy landing set for all 31 raw contract tables.

Volumes grow linearly with `scale` and `months` (scale 1 over 12 months: about 200 reps, 20,000 accounts,
100,000 opportunities, 3 million activities, 10 million email events), with floors so that every metric
still has data at tiny scales. Everything is vectorised with numpy; DuckDB writes the files.

Files: `<out>/<system>/<table>/<YYYY-MM-DD>.csv` (email messages and events: `.parquet`). The first file of
a table is the initial full extract, named the day before the window; then one incremental file per month,
named its last day, holding the rows whose updated_at (or event time) falls in that month. Messiness, as
the contract allows: earlier versions of some keys in earlier files (older updated_at, earlier values),
delete markers (is_deleted = true) in later files, about 0.4% of email events repeated in the next month's
file, about 2% of timestamps written with a UTC offset (e.g. -02:00), amounts in USD, EUR and GBP.
Opportunities start 90 days before the window so that the first months already have a pipeline, and
customers at the start have a first order and subscription before it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from salesmart.contract import load_metric_catalog, opportunity_stages
from salesmart.generate_io import (
    DAY,
    NAT,
    Cat,
    Ids,
    IntN,
    LandingWriter,
    Sql,
    add_months,
    epoch_seconds,
)

HOUR = 3_600

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
TERR_WEIGHTS = np.array([18, 14, 6, 12, 12, 8, 5, 5, 6, 4, 5, 5], dtype=float)
CURRENCIES = ("USD", "EUR", "GBP")
FX_BASE = {"EUR": 1.08, "GBP": 1.27}
# Rough local-per-USD factor to express amounts in the account's currency.
LOCAL_PER_USD = np.array([1.0, 1 / 1.08, 1 / 1.27])

SEGMENTS = ("smb", "mid_market", "enterprise")
INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "media",
    "logistics",
    "energy",
    "public_sector",
)
PERSONAS = ("economic_buyer", "champion", "technical_buyer", "end_user", "other")
TITLES = ("CEO", "CFO", "VP Sales", "Head of IT", "Operations Manager", "Analyst", "Director of Marketing")
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
NAME_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
)
NAME_WORDS2 = ("Systems", "Analytics", "Foods", "Logistics", "Health", "Energy", "Labs", "Partners", "Retail")
NAME_SUFFIXES = ("Inc.", "Ltd", "GmbH", "S.A.", "& Co., LLC")
OPP_TYPES = ("new_business", "expansion", "renewal")
LOST_REASONS = ("price", "competitor", "no_decision", "timing", "no_budget")
LEAD_SOURCES = ("paid_search", "paid_social", "organic", "email", "event", "referral", "outbound")
LEAD_SOURCE_P = np.array([0.2, 0.15, 0.2, 0.1, 0.1, 0.1, 0.15])
LEAD_STATUSES = ("new", "working", "nurturing", "disqualified", "converted")
CHANNELS = ("paid_search", "paid_social", "email", "event", "content")
ROLES = ("sales_rep", "sdr", "sales_manager", "marketing", "other")
ACTIVITY_TYPES = ("call", "meeting", "proposal", "demo", "task")
CALL_OUTCOMES = ("connected", "no_answer", "voicemail", "wrong_number")
MEETING_STATUSES = ("scheduled", "held", "no_show", "cancelled")
EMAIL_EVENTS = ("delivered", "bounce", "open", "click", "reply", "unsubscribe")
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
SKILLS = ("negotiation", "prospecting", "product", "discovery", "closing", "crm", "presentation")
NETWORKS = ("linkedin", "x", "facebook", "instagram", "youtube")
TIME_CATEGORIES = (
    "selling",
    "prospect_research",
    "data_entry",
    "content_creation",
    "recruiting",
    "training",
    "admin",
    "other",
)
APP_STAGES = ("applied", "screen", "interview", "offer", "hired", "rejected", "withdrawn")
OFFSETS_MIN = np.array([-120, -180, -300, 60, 120, 330])


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    start: dt.date = dt.date(2025, 1, 1),
    months: int = 12,
    on_stage: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Write every raw contract table under `out_dir/<system>/<table>/` and return rows per 'system.table'.

    `on_stage(name, index, total)` is called before each generation stage (progress display).

    `start` is moved to the first day of its month; the window is `months` whole months from there.
    The system folders (crm, email, marketing, hr) under `out_dir` are deleted first, so a rerun with the
    same seed gives byte-identical files and no stale file survives.
    """
    if scale <= 0:
        raise ValueError(f"generate: scale must be > 0, got {scale}")
    if months < 1:
        raise ValueError(f"generate: months must be >= 1, got {months}")
    out_dir = Path(out_dir)
    for system in ("crm", "email", "marketing", "hr"):
        shutil.rmtree(out_dir / system, ignore_errors=True)
    start = dt.date(start.year, start.month, 1)
    g = _Gen(out_dir, scale, seed, start, months)
    try:
        g.run(on_stage)
    finally:
        g.w.close()
    return dict(sorted(g.w.counts.items()))


class _Gen:
    def __init__(self, out_dir: Path, scale: float, seed: int, start: dt.date, months: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.w = LandingWriter(out_dir, start, months)
        self.scale = scale
        self.months = months
        self.flow = scale * months / 12  # multiplier for volumes that accrue over time
        self.start = start
        self.T0 = epoch_seconds(start)
        self.T1 = epoch_seconds(add_months(start, months))
        days = np.arange(self.T0 // DAY, self.T1 // DAY)
        self.workdays = days[(days + 3) % 7 < 5]
        self.month_bounds = self.w.bounds

    # ------------------------------------------------------------------ helpers
    def n(self, per_year_at_scale_1: float, floor: int) -> int:
        return max(floor, round(per_year_at_scale_1 * self.flow))

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
        values) and later delete markers (is_deleted = true), each in the extract file of its updated_at."""
        rng = self.rng
        upd = cols["updated_at"]
        n = len(upd)
        parts: list[tuple[np.ndarray, dict]] = [(np.arange(n), {})]
        if old_share:
            io = np.flatnonzero((upd - created > 2 * HOUR) & (rng.random(n) < old_share))
            over = old_values(io) if old_values else {}
            over["updated_at"] = created[io] + (rng.random(len(io)) * (upd[io] - created[io] - HOUR)).astype(np.int64)
            parts.append((io, over))
        if del_share:
            idl = np.flatnonzero((upd < self.T1 - 2 * HOUR) & (rng.random(n) < del_share))
            later = upd[idl] + self.secs(len(idl), HOUR, 20 * DAY)
            parts.append((idl, {"updated_at": self.clip_t(later), "is_deleted": True}))
        out = _stack(cols, parts)
        total = len(out["updated_at"])
        self.w.write(key, out, self.w.file_index(out["updated_at"]), self.offsets(total, offset_share), fmt)

    def write_events(self, key: str, cols: dict, at: np.ndarray, offset_share: float = 0.0, fmt="csv") -> None:
        self.w.write(key, cols, self.w.file_index(at), self.offsets(len(at), offset_share), fmt)

    # ------------------------------------------------------------------ main
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

    # ------------------------------------------------------------------ people
    def org(self) -> None:
        rng = self.rng
        n_reps = max(15, round(200 * self.scale))
        n_teams = max(3, n_reps // 8)
        n_sdr = max(5, round(n_reps * 0.25))
        n_mkt = max(2, round(n_reps * 0.05))
        # users: managers, reps, sdrs, marketing, one integration user (no employee)
        role = np.concatenate([np.full(n_teams, 2), np.zeros(n_reps, int), np.ones(n_sdr, int), np.full(n_mkt, 3), [4]])
        nu = len(role)
        team = np.full(nu, -1)
        team[:n_teams] = np.arange(n_teams)
        team[n_teams : n_teams + n_reps] = np.arange(n_reps) % n_teams
        sdr_slice = slice(n_teams + n_reps, n_teams + n_reps + n_sdr)
        team[sdr_slice] = np.arange(n_sdr) % n_teams
        team_terr = np.arange(n_teams) % len(TERRITORIES)
        terr = np.where(team >= 0, team_terr[np.maximum(team, 0)], -1)
        manager = np.where((team >= 0) & (role != 2), np.maximum(team, 0), -1)  # manager user idx = team idx
        is_sales = role <= 2
        # HR: hire before the window (tenure up to 8 years) or inside it; some sales people leave.
        hire = self.T0 - self.secs(nu, 30 * DAY, 8 * 365 * DAY)
        new_hire = (rng.random(nu) < 0.15) & (role != 2)
        n_new = max(6, int(new_hire.sum()))
        cand = np.flatnonzero(role <= 1)
        new_hire[:] = False
        new_hire[rng.choice(cand, min(n_new, len(cand)), replace=False)] = True
        hire[new_hire] = self.T0 + self.secs(int(new_hire.sum()), 0, max(self.T1 - self.T0 - 60 * DAY, DAY))
        hire = hire // DAY * DAY
        leaves = (rng.random(nu) < 0.18) & (role <= 1) & ~new_hire
        n_leave = max(4, int(leaves.sum()))
        leaves[:] = False
        leaves[rng.choice(np.flatnonzero((role <= 1) & ~new_hire), n_leave, replace=False)] = True
        term = np.full(nu, NAT)
        lo = np.maximum(hire[leaves] + 60 * DAY, self.T0)
        term[leaves] = (lo + (rng.random(n_leave) * (self.T1 - DAY - lo)).astype(np.int64)) // DAY * DAY
        term_reason = np.where(leaves, np.where(rng.random(nu) < 0.65, 0, 1), -1)
        self.n_users, self.role, self.team, self.terr, self.n_teams = nu, role, team, terr, n_teams
        self.act_from = np.maximum(hire, self.T0)
        self.act_to = np.where(term == NAT, self.T1, np.minimum(term + DAY, self.T1))
        self.reps = np.flatnonzero(role == 0)
        self.sdrs = np.flatnonzero(role == 1)
        self.sellers = np.flatnonzero(role <= 1)
        self.hire, self.term, self.term_reason, self.is_sales = hire, term, term_reason, is_sales
        self.rep_skill = self.u(nu, 0.75, 1.25)
        self.rep_sloppy = self.u(nu, 0.0, 0.25)

        is_active = term == NAT
        created = np.where(role == 4, self.T0 - 900 * DAY, hire)
        upd = np.where(term != NAT, term + 9 * HOUR, created + self.secs(nu, DAY, 30 * DAY))
        emp_of_user = np.where(role == 4, -1, np.arange(nu))  # employee idx = user idx for people
        cols = {
            "user_id": Ids("usr_", np.arange(nu)),
            "employee_id": Ids("emp_", emp_of_user),
            "full_name": Sql(_name_sql("_uid")),
            "email": Sql("'user' || _uid || '@salesmart-demo.com'"),
            "role": Cat(ROLES, role),
            "manager_user_id": Ids("usr_", manager),
            "team": Sql("case when _team >= 0 then 'team_' || lpad(_team::varchar, 2, '0') end"),
            "territory_id": Cat(tuple(t[0] for t in TERRITORIES), terr),
            "is_active": is_active,
            "created_at": created,
            "updated_at": upd,
        }
        cols["_team"] = team
        cols["_uid"] = np.arange(nu)
        self.write_versioned(
            "crm.users",
            cols,
            created,
            old_share=0.5,
            old_values=lambda idx: {"is_active": np.ones(len(idx), bool)},
        )
        self.user_upd = upd

    # ------------------------------------------------------------------ marketing
    def campaigns(self) -> None:
        rng = self.rng
        nc = max(15, round(60 * self.scale))
        channel = np.concatenate([np.arange(5), rng.choice(5, nc - 5, p=[0.3, 0.25, 0.2, 0.15, 0.1])])
        cstart = (self.T0 + self.secs(nc, -60 * DAY, self.T1 - self.T0 - 45 * DAY)) // DAY * DAY
        cend = cstart + self.secs(nc, 45 * DAY, 150 * DAY) // DAY * DAY
        always_on = rng.random(nc) < 0.2
        cend_eff = np.where(always_on, self.T1, np.minimum(cend + DAY, self.T1))
        self.camp_channel, self.camp_from, self.camp_to = channel, np.maximum(cstart, self.T0), cend_eff
        self.camp_from = np.minimum(self.camp_from, self.T1 - 30 * DAY)
        self.n_camp = nc
        self.camp_currency = np.where(rng.random(nc) < 0.25, 1, 0)
        cols = {
            "campaign_id": Ids("cmp_", np.arange(nc)),
            "campaign_name": Sql("'Campaign ' || _i || ' - ' || channel"),
            "_i": np.arange(nc),
            "channel": Cat(CHANNELS, channel),
            "start_date": cstart,
            "end_date": np.where(always_on, NAT, cend),
            "updated_at": cstart - 5 * DAY,
        }
        self.write_versioned("marketing.campaigns", cols, cstart - 5 * DAY)

    def campaign_for(self, source: np.ndarray) -> np.ndarray:
        """A campaign of the lead source's channel (paid_search, paid_social, email, event), else -1."""
        src_to_ch = {0: 0, 1: 1, 3: 2, 4: 3}
        out = np.full(len(source), -1)
        for s, ch in src_to_ch.items():
            rows = np.flatnonzero(source == s)
            camps = np.flatnonzero(self.camp_channel == ch)
            out[rows] = camps[self.rng.integers(0, len(camps), len(rows))]
        return out

    # ------------------------------------------------------------------ accounts and contacts
    def accounts(self) -> None:
        rng = self.rng
        na = max(150, round(20_000 * self.scale))
        terr = rng.choice(len(TERRITORIES), na, p=TERR_WEIGHTS / TERR_WEIGHTS.sum())
        seg = rng.choice(3, na, p=[0.6, 0.3, 0.1])
        created = np.where(
            rng.random(na) < 0.75,
            self.T0 - self.secs(na, 30 * DAY, 5 * 365 * DAY),
            self.T0 + self.secs(na, 0, self.T1 - self.T0 - 30 * DAY),
        )
        customer = (created < self.T0) & (rng.random(na) < 0.45)
        cur = np.array([CURRENCIES.index(t[4]) for t in TERRITORIES])[terr]
        self.acc_terr, self.acc_seg, self.acc_created, self.acc_customer, self.acc_cur = (
            terr,
            seg,
            created,
            customer,
            cur,
        )
        self.n_acc = na
        self.acc_owner = self.reps[rng.integers(0, len(self.reps), na)]
        # contacts: contiguous blocks per account
        cc = 1 + rng.poisson(2.0, na)
        self.con_first = np.concatenate([[0], np.cumsum(cc)[:-1]])
        self.con_count = cc
        self.n_con = int(cc.sum())
        self.con_acc = np.repeat(np.arange(na), cc)

    def write_accounts(self) -> None:
        rng = self.rng
        na, created = self.n_acc, self.acc_created
        touched = rng.random(na) < 0.3
        upd = np.where(
            touched,
            np.maximum(created, self.T0) + self.secs(na, HOUR, 60 * DAY),
            created + self.secs(na, 60, DAY),
        )
        upd = self.clip_t(np.maximum(upd, created + 60))
        emp = np.array([5, 40, 400])[self.acc_seg] * np.exp(rng.normal(0, 0.6, na))
        cols = {
            "account_id": Ids("acc_", np.arange(na)),
            "account_name": Sql("w1 || ' ' || w2 || ' ' || sx"),
            "w1": Cat(NAME_WORDS, rng.integers(0, len(NAME_WORDS), na)),
            "w2": Cat(NAME_WORDS2, rng.integers(0, len(NAME_WORDS2), na)),
            "sx": Cat(NAME_SUFFIXES, rng.integers(0, len(NAME_SUFFIXES), na)),
            "industry": Cat(INDUSTRIES, np.where(rng.random(na) < 0.05, -1, rng.integers(0, 10, na))),
            "segment": Cat(SEGMENTS, self.acc_seg),
            "employee_count": IntN(np.maximum(1, emp).astype(np.int64)),
            "billing_country": Cat(tuple(t[3] for t in TERRITORIES), self.acc_terr),
            "territory_id": Cat(tuple(t[0] for t in TERRITORIES), self.acc_terr),
            "owner_user_id": Ids("usr_", self.acc_owner),
            "created_at": created,
            "updated_at": upd,
            "is_deleted": np.zeros(na, bool),
        }
        # the earlier version had another owner (territory reassignment)
        self.write_versioned(
            "crm.accounts",
            cols,
            created,
            old_share=0.1,
            old_values=lambda idx: {"owner_user_id": self.reps[rng.integers(0, len(self.reps), len(idx))]},
            del_share=0.005,
        )
        nc = self.n_con
        ccreated = self.clip_t(created[self.con_acc] + self.secs(nc, 0, 2 * HOUR))
        cupd = self.clip_t(np.where(rng.random(nc) < 0.2, ccreated + self.secs(nc, DAY, 90 * DAY), ccreated + 60))
        cupd = np.maximum(cupd, ccreated)
        ccols = {
            "contact_id": Ids("con_", np.arange(nc)),
            "account_id": Ids("acc_", self.con_acc),
            "first_name": Cat(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), nc)),
            "last_name": Cat(LAST_NAMES, rng.integers(0, len(LAST_NAMES), nc)),
            "email": Sql("'contact' || _cid || '@example.com'"),
            "_cid": np.arange(nc),
            "phone": Sql("'+1-555-' || lpad((_cid % 10000)::varchar, 4, '0')"),
            "title": Cat(TITLES, rng.integers(0, len(TITLES), nc)),
            "persona": Cat(PERSONAS, rng.choice(5, nc, p=[0.15, 0.3, 0.2, 0.25, 0.1])),
            "created_at": ccreated,
            "updated_at": cupd,
            "is_deleted": np.zeros(nc, bool),
        }
        self.write_versioned(
            "crm.contacts",
            ccols,
            ccreated,
            old_share=0.1,
            old_values=lambda idx: {"title": np.zeros(len(idx), np.int64)},
            del_share=0.005,
        )

    def contact_of(self, acc: np.ndarray) -> np.ndarray:
        return self.pick_in_range(self.con_first[acc], self.con_count[acc])

    # ------------------------------------------------------------------ opportunities
    def opportunities(self) -> None:
        rng = self.rng
        stages = opportunity_stages()["ordered"]
        no = max(300, round(100_000 * self.flow))
        otype = rng.choice(3, no, p=[0.6, 0.25, 0.15])
        # a quarter of lead-in before the window, so the first months already have a pipeline
        owner, created = self.in_active(self.reps, no, lead_in=90 * DAY)
        created = self.biz(created)
        created = np.clip(created, self.T0 - 90 * DAY, self.T1 - DAY)
        prospects = np.flatnonzero(~self.acc_customer)
        customers = np.flatnonzero(self.acc_customer)
        acc = np.where(
            otype == 0,
            prospects[rng.integers(0, len(prospects), no)],
            customers[rng.integers(0, len(customers), no)],
        )
        # an account exists before its first opportunity
        np.minimum.at(self.acc_created, acc, created - self.secs(no, DAY, 30 * DAY))
        seg = self.acc_seg[acc]
        usd = np.array([8_000, 30_000, 120_000])[seg] * np.exp(rng.normal(0, 0.5, no))
        usd *= np.array([1.0, 0.5, 0.8])[otype]
        cur = self.acc_cur[acc]
        amount = np.round(usd * LOCAL_PER_USD[cur], -1)
        cycle = np.array([25, 50, 90])[seg] * np.exp(rng.normal(0, 0.45, no)) * np.where(otype == 2, 0.6, 1.0)
        cycle = np.maximum(cycle, 3) * DAY
        close_t = created + cycle.astype(np.int64)
        closed = close_t < self.T1 - HOUR
        p_win = np.array([0.22, 0.35, 0.6])[otype] * self.rep_skill[owner]
        won = closed & (rng.random(no) < p_win)
        lost = closed & ~won
        # highest ordered stage reached (0..4)
        k = np.full(no, 4)
        k[lost] = rng.choice(5, int(lost.sum()), p=[0.05, 0.07, 0.13, 0.35, 0.40])
        is_open = ~closed
        elapsed = (self.T1 - 1 - created) / cycle
        k[is_open] = np.clip((elapsed[is_open] * 5).astype(int), 0, 4)
        # some deals skip one required stage (qualification, discovery or proposal) below their highest
        skip = np.full(no, -1)
        can = (k >= 2) & (rng.random(no) < self.rep_sloppy[owner])
        skip[can] = 1 + (rng.random(int(can.sum())) * np.minimum(3, k[can] - 1)).astype(int)
        # re-opened: closed (lost or won) then back to an open stage, closed_at cleared
        reopen = closed & (close_t < self.T1 - 20 * DAY) & (rng.random(no) < 0.02)
        reopen_t = close_t + self.secs(no, 3 * DAY, 15 * DAY)
        reopen_stage = np.where(rng.random(no) < 0.6, 4, 3)
        amount0 = np.round(amount * self.u(no, 0.7, 1.3), -1)
        span = np.where(closed, close_t - created, cycle.astype(np.int64))

        # history: candidate rows for stages 0..4, then the close row, then the re-open row
        opp5 = np.repeat(np.arange(no), 5)
        st5 = np.tile(np.arange(5), no)
        keep = (st5 <= k[opp5]) & (st5 != skip[opp5])
        hopp = opp5[keep]
        hst = st5[keep]
        ht = created[hopp] + (span[hopp] * hst / np.where(closed[hopp], k[hopp] + 1, 5)).astype(np.int64)
        ht = np.where(hst == 0, created[hopp], ht + self.secs(len(hopp), 0, HOUR))
        hamt = np.where(hst >= 3, amount[hopp], amount0[hopp])
        c_idx = np.flatnonzero(closed)
        r_idx = np.flatnonzero(reopen)
        hopp = np.concatenate([hopp, c_idx, r_idx])
        hst = np.concatenate([hst, np.where(won[c_idx], 5, 6), reopen_stage[r_idx]])
        ht = np.concatenate([ht, close_t[c_idx], reopen_t[r_idx]])
        hamt = np.concatenate([hamt, amount[c_idx], amount[r_idx]])
        order = np.lexsort((ht, hopp))
        hopp, hst, ht, hamt = hopp[order], hst[order], ht[order], hamt[order]
        exp_close = np.where(closed, close_t, created + cycle.astype(np.int64))
        exp_close = np.where(reopen, reopen_t + 30 * DAY, exp_close)
        # open deals whose expected close passed slip into the future
        slip = ~closed & (exp_close < self.T1)
        exp_close[slip] = self.T1 + self.secs(int(slip.sum()), 5 * DAY, 60 * DAY)
        hclose = np.where(hst >= 5, close_t[hopp], exp_close[hopp] + np.where(hst < 3, 15 * DAY, 0))
        stage_vocab = tuple(stages) + tuple(opportunity_stages()["closed"])
        nh = len(hopp)
        self.write_events(
            "crm.opportunity_history",
            {
                "history_id": Ids("oph_", np.arange(nh)),
                "opportunity_id": Ids("opp_", hopp),
                "stage_name": Cat(stage_vocab, hst),
                "amount": hamt,
                "close_date": hclose // DAY * DAY,
                "changed_at": ht,
                "changed_by_user_id": Ids("usr_", owner[hopp]),
            },
            ht,
            offset_share=0.02,
        )
        self.hist_opp, self.hist_stage, self.hist_t = hopp, hst, ht

        cur_stage = np.where(won, 5, np.where(lost, 6, k))
        cur_stage = np.where(reopen, reopen_stage, cur_stage)
        is_closed = closed & ~reopen
        is_won = won & ~reopen
        last_change = np.where(
            reopen, reopen_t, np.where(closed, close_t, ht[np.r_[np.flatnonzero(np.diff(hopp)), nh - 1]])
        )
        upd = self.clip_t(last_change + self.secs(no, 60, HOUR))
        lost_reason = np.where(lost & ~reopen, rng.integers(0, len(LOST_REASONS), no), -1)
        self.opp = dict(
            n=no,
            type=otype,
            owner=owner,
            created=created,
            acc=acc,
            amount=amount,
            amount0=amount0,
            cur=cur,
            won=is_won,
            closed=is_closed,
            close_t=close_t,
            end_t=np.where(closed, close_t, self.T1 - 1),
            lead=np.full(no, -1),
        )
        self.opp_cols = {
            "opportunity_id": Ids("opp_", np.arange(no)),
            "account_id": Ids("acc_", acc),
            "owner_user_id": Ids("usr_", owner),
            "lead_id": Ids("lead_", self.opp["lead"]),
            "opportunity_name": Sql("'Deal ' || _oid || ' - ' || opportunity_type"),
            "_oid": np.arange(no),
            "opportunity_type": Cat(OPP_TYPES, otype),
            "stage_name": Cat(stage_vocab, cur_stage),
            "amount": amount,
            "currency_code": Cat(CURRENCIES, cur),
            "close_date": exp_close // DAY * DAY,
            "is_closed": is_closed,
            "is_won": is_won,
            "closed_at": np.where(is_closed, close_t, NAT),
            "lost_reason": Cat(LOST_REASONS, lost_reason),
            "created_at": created,
            "updated_at": upd,
            "is_deleted": np.zeros(no, bool),
        }

    def write_opportunities(self) -> None:
        no = self.opp["n"]
        # the earlier extract saw the deal as it was created: prospecting, first amount, open
        self.write_versioned(
            "crm.opportunities",
            self.opp_cols,
            self.opp["created"],
            old_share=0.15,
            old_values=lambda idx: {
                "stage_name": np.zeros(len(idx), np.int64),
                "amount": self.opp["amount0"][idx],
                "is_closed": False,
                "is_won": False,
                "closed_at": NAT,
                "lost_reason": -1,
            },
            del_share=0.004,
            offset_share=0.02,
        )
        # line items: 1-3 products, prices scaled so the lines sum to the amount
        rng = self.rng
        nl = 1 + (rng.random(no) < 0.5) + (rng.random(no) < 0.2)
        lopp = np.repeat(np.arange(no), nl)
        m = len(lopp)
        prod = rng.integers(0, len(PRODUCTS), m)
        qty = np.where(rng.random(m) < 0.7, rng.integers(1, 20, m), 1).astype(float)
        disc = np.where(rng.random(m) < 0.3, rng.integers(5, 21, m), 0).astype(float)
        list_price = np.array([p[2] for p in PRODUCTS])[prod]
        raw = qty * list_price * (1 - disc / 100)
        per_opp = np.bincount(lopp, raw, no)
        target = self.opp["amount"] * self.u(no, 0.99, 1.01)
        price = np.round(list_price * (target / per_opp)[lopp], 2)
        self.li = dict(opp=lopp, prod=prod, qty=qty, disc=disc, price=price)
        self.write_versioned(
            "crm.opportunity_line_items",
            {
                "line_item_id": Ids("oli_", np.arange(m)),
                "opportunity_id": Ids("opp_", lopp),
                "product_id": Ids("prd_", prod),
                "quantity": qty,
                "unit_price": price,
                "discount_pct": np.where(disc > 0, disc, np.nan),
                "updated_at": self.opp_cols["updated_at"][lopp],
                "is_deleted": np.zeros(m, bool),
            },
            self.opp["created"][lopp],
        )

    # ------------------------------------------------------------------ leads
    def leads(self) -> None:
        rng = self.rng
        o = self.opp
        conv_opp = np.flatnonzero((o["type"] == 0) & (rng.random(o["n"]) < 0.4))
        nconv = len(conv_opp)
        nl = max(800, round(200_000 * self.flow), nconv * 5)
        nfree = nl - nconv
        # converted leads first (ids 0..nconv-1), then the rest
        src = rng.choice(len(LEAD_SOURCES), nl, p=LEAD_SOURCE_P)
        camp = self.campaign_for(src)
        created = np.empty(nl, np.int64)
        conv_at = o["created"][conv_opp]
        created[:nconv] = conv_at - (np.exp(rng.normal(np.log(15), 0.6, nconv)) * DAY).astype(np.int64)
        # other leads arrive inside their campaign's run, or anywhere in the window
        free_camp = camp[nconv:]
        lo = np.where(free_camp >= 0, self.camp_from[np.maximum(free_camp, 0)], self.T0)
        hi = np.where(free_camp >= 0, self.camp_to[np.maximum(free_camp, 0)], self.T1 - HOUR)
        created[nconv:] = lo + (rng.random(nfree) * (hi - lo)).astype(np.int64)
        owner = np.empty(nl, np.int64)
        owner[:nconv] = np.where(
            rng.random(nconv) < 0.6, self.sdrs[rng.integers(0, len(self.sdrs), nconv)], o["owner"][conv_opp]
        )
        owner[nconv:], _ = self.in_active(self.sellers, nfree)
        status = np.full(nl, 4)
        status[nconv:] = rng.choice(4, nfree, p=[0.15, 0.25, 0.3, 0.3])
        mql = np.full(nl, NAT)
        sql = np.full(nl, NAT)
        gap = conv_at - created[:nconv]
        mql[:nconv] = created[:nconv] + (gap * self.u(nconv, 0.05, 0.4)).astype(np.int64)
        sql[:nconv] = created[:nconv] + (gap * self.u(nconv, 0.5, 0.95)).astype(np.int64)
        fm = np.flatnonzero(rng.random(nfree) < 0.45) + nconv
        mql[fm] = created[fm] + self.secs(len(fm), HOUR, 10 * DAY)
        fs = fm[rng.random(len(fm)) < 0.3]
        sql[fs] = mql[fs] + self.secs(len(fs), DAY, 10 * DAY)
        mql[mql >= self.T1] = NAT
        sql[(sql >= self.T1) | (mql == NAT)] = NAT
        conv = np.full(nl, NAT)
        conv[:nconv] = conv_at
        conv_acc = np.full(nl, -1)
        conv_acc[:nconv] = o["acc"][conv_opp]
        conv_con = np.full(nl, -1)
        conv_con[:nconv] = self.contact_of(o["acc"][conv_opp])
        conv_op = np.full(nl, -1)
        conv_op[:nconv] = conv_opp
        o["lead"][conv_opp] = np.arange(nconv)
        upd = np.maximum.reduce([created, mql, sql, conv]) + self.secs(nl, 60, 2 * HOUR)
        upd = np.maximum(self.clip_t(upd), created)
        self.lead_created, self.lead_owner, self.n_leads = created, owner, nl
        self._lead_campaign = camp
        self.lead_persona = rng.choice(5, nl, p=[0.1, 0.3, 0.2, 0.3, 0.1])
        cols = {
            "lead_id": Ids("lead_", np.arange(nl)),
            "created_at": created,
            "source_channel": Cat(LEAD_SOURCES, src),
            "campaign_id": Ids("cmp_", camp),
            "owner_user_id": Ids("usr_", owner),
            "email": Sql("'lead' || _lid || '@example.org'"),
            "_lid": np.arange(nl),
            "company_name": Sql("w1 || ' ' || w2"),
            "w1": Cat(NAME_WORDS, rng.integers(0, len(NAME_WORDS), nl)),
            "w2": Cat(NAME_WORDS2, rng.integers(0, len(NAME_WORDS2), nl)),
            "persona": Cat(PERSONAS, self.lead_persona),
            "status": Cat(LEAD_STATUSES, status),
            "mql_at": mql,
            "sql_at": sql,
            "converted_at": conv,
            "converted_account_id": Ids("acc_", conv_acc),
            "converted_contact_id": Ids("con_", conv_con),
            "converted_opportunity_id": Ids("opp_", conv_op),
            "updated_at": upd,
            "is_deleted": np.zeros(nl, bool),
        }
        # earlier version: still new, not yet qualified or converted
        self.write_versioned(
            "crm.leads",
            cols,
            created,
            old_share=0.2,
            old_values=lambda idx: {
                "status": np.zeros(len(idx), np.int64),
                "mql_at": NAT,
                "sql_at": NAT,
                "converted_at": NAT,
                "converted_account_id": -1,
                "converted_contact_id": -1,
                "converted_opportunity_id": -1,
            },
            del_share=0.004,
            offset_share=0.02,
        )
        self.opp_cols["lead_id"] = Ids("lead_", o["lead"])
        self.write_accounts()
        self.write_opportunities()

    # ------------------------------------------------------------------ orders and subscriptions
    def orders(self) -> None:
        rng = self.rng
        o = self.opp
        won = np.flatnonzero(o["won"])
        nw = len(won)
        odate = np.minimum(o["close_t"][won] // DAY + rng.integers(0, 4, nw), self.T1 // DAY - 1) * DAY
        # customers at the start bought before the window: their first order and subscription predate it
        base = np.flatnonzero(self.acc_customer)
        nb = len(base)
        b_start = (self.T0 - self.secs(nb, 30 * DAY, 700 * DAY)) // DAY * DAY
        b_start = np.clip(b_start, (self.acc_created[base] // DAY + 1) * DAY, self.T0 - DAY)
        b_mrr = (
            np.array([400, 2_000, 9_000])[self.acc_seg[base]] * self.u(nb, 0.6, 1.4) * LOCAL_PER_USD[self.acc_cur[base]]
        )
        customers = np.flatnonzero(self.acc_customer & (self.acc_seg == 0))
        ns = max(20, round(nw * 0.15))
        s_acc = np.concatenate([customers[rng.integers(0, len(customers), ns)], base])
        s_date = np.concatenate([(self.T0 + self.secs(ns, 0, self.T1 - self.T0 - DAY)) // DAY * DAY, b_start])
        s_prod = np.concatenate([rng.choice([0, 5, 11], ns), np.where(self.acc_seg[base] == 2, 2, 1)])
        s_qty = np.concatenate([rng.integers(1, 5, ns).astype(float), np.ones(nb)])
        s_price = np.concatenate(
            [
                np.array([p[2] for p in PRODUCTS])[s_prod[:ns]] * LOCAL_PER_USD[self.acc_cur[s_acc[:ns]]],
                b_mrr * 12,
            ]
        )
        ns += nb
        nord = nw + ns
        acc = np.concatenate([o["acc"][won], s_acc])
        opp = np.concatenate([won, np.full(ns, -1)])
        date = np.concatenate([odate, s_date])
        cur = np.concatenate([o["cur"][won], self.acc_cur[s_acc]])
        cancelled = np.concatenate([np.zeros(nw, bool), rng.random(ns) < 0.08 * (s_date >= self.T0)])
        upd = self.clip_t(date + self.secs(nord, 9 * HOUR, 30 * HOUR))
        upd = np.where(cancelled, self.clip_t(upd + self.secs(nord, DAY, 10 * DAY)), upd)
        self.write_versioned(
            "crm.orders",
            {
                "order_id": Ids("ord_", np.arange(nord)),
                "account_id": Ids("acc_", acc),
                "opportunity_id": Ids("opp_", opp),
                "order_date": date,
                "currency_code": Cat(CURRENCIES, cur),
                "status": Cat(("booked", "cancelled"), cancelled.astype(np.int64)),
                "updated_at": upd,
            },
            date,
            old_share=0.5,
            old_values=lambda idx: {"status": np.zeros(len(idx), np.int64)},
        )
        # order lines: the won deal's line items (with the discount as an amount); self-serve: one line
        li = self.li
        order_of_opp = np.full(o["n"], -1)
        order_of_opp[won] = np.arange(nw)
        sel = np.flatnonzero(order_of_opp[li["opp"]] >= 0)
        l_ord = np.concatenate([order_of_opp[li["opp"][sel]], np.arange(nw, nord)])
        l_prod = np.concatenate([li["prod"][sel], s_prod])
        l_qty = np.concatenate([li["qty"][sel], s_qty])
        l_price = np.concatenate([li["price"][sel], np.round(s_price, 2)])
        l_disc = np.concatenate([np.round(li["qty"][sel] * li["price"][sel] * li["disc"][sel] / 100, 2), np.zeros(ns)])
        l_disc[l_disc == 0] = np.nan
        cost_share = np.array([p[3] for p in PRODUCTS])[l_prod] * self.u(len(l_ord), 0.9, 1.1)
        nl = len(l_ord)
        self.w.write(
            "crm.order_lines",
            {
                "order_line_id": Ids("orl_", np.arange(nl)),
                "order_id": Ids("ord_", l_ord),
                "product_id": Ids("prd_", l_prod),
                "quantity": l_qty,
                "unit_price": l_price,
                "discount_amount": l_disc,
                "unit_cost": np.round(l_price * cost_share, 2),
                "updated_at": upd[l_ord],
            },
            self.w.file_index(upd[l_ord]),
        )
        self.order_date, self.order_acc = date, acc
        # subscriptions: customers at start, plus one per won new-business or expansion deal
        wnew = won[o["type"][won] < 2]
        nn = len(wnew)
        n_start = odate[o["type"][won] < 2]
        s_acc2 = np.concatenate([base, o["acc"][wnew]])
        s_start = np.concatenate([b_start, n_start])
        s_mrr = np.round(np.concatenate([b_mrr, o["amount"][wnew] / 12]), 2)
        s_cur = np.concatenate([self.acc_cur[base], o["cur"][wnew]])
        nsub = nb + nn
        # churn: about 20% a year of starting customers and 3% of new subscriptions end inside the window
        ends = np.concatenate([rng.random(nb) < 0.2 * min(self.flow / self.scale, 2), rng.random(nn) < 0.03])
        lo = np.maximum(s_start + 30 * DAY, self.T0)
        end = np.where(
            ends & (lo < self.T1 - DAY),
            (lo + (rng.random(nsub) * np.maximum(self.T1 - DAY - lo, 0)).astype(np.int64)) // DAY * DAY,
            NAT,
        )
        upd = self.clip_t(np.where(end != NAT, np.maximum(end - 20 * DAY, s_start), s_start) + 10 * HOUR)
        self.sub_acc = s_acc2
        self.write_versioned(
            "crm.subscriptions",
            {
                "subscription_id": Ids("sub_", np.arange(nsub)),
                "account_id": Ids("acc_", s_acc2),
                "product_id": Ids("prd_", np.where(self.acc_seg[s_acc2] == 2, 2, 1)),
                "start_date": s_start,
                "end_date": end,
                "mrr": s_mrr,
                "currency_code": Cat(CURRENCIES, s_cur),
                "updated_at": upd,
            },
            s_start,
            old_share=0.3,
            old_values=lambda idx: {"end_date": NAT},
        )
        wm = np.searchsorted(self.month_bounds, o["close_t"][won], side="right") - 1
        inw = (wm >= 0) & (wm < self.months)
        self.bookings_usd = np.bincount(wm[inw], (o["amount"][won] / LOCAL_PER_USD[o["cur"][won]])[inw], self.months)[
            : self.months
        ]

    # ------------------------------------------------------------------ email
    def emails(self) -> None:
        rng = self.rng
        o = self.opp
        nmsg = max(3000, round(10_000_000 * self.flow / 2.05))
        # first touches of leads (about 40% by email), then sales follow-ups, then marketing sends
        touched = rng.random(self.n_leads) < 0.85
        by_email = touched & (rng.random(self.n_leads) < 0.4)
        self.lead_touch_call = touched & ~by_email
        ft_lead = np.flatnonzero(by_email)
        ft_t = self.lead_created[ft_lead] + (np.exp(rng.normal(np.log(20), 1.0, len(ft_lead))) * HOUR).astype(np.int64)
        keep = (ft_t < self.T1) & (ft_t >= self.T0)
        ft_lead, ft_t = ft_lead[keep], ft_t[keep]
        nft = len(ft_lead)
        n_sales = max(0, round(nmsg * 0.62) - nft)
        n_lead_f = round(n_sales * 0.4)
        n_opp_f = n_sales - n_lead_f
        fl = rng.integers(0, self.n_leads, n_lead_f)
        fl_t = self.lead_time(fl, 40 * DAY)
        fo, fo_t = self.opp_pick(n_opp_f)
        n_mkt = max(0, nmsg - nft - n_sales)
        mc = np.flatnonzero(self.camp_channel == 2)
        m_camp = mc[rng.integers(0, len(mc), n_mkt)]
        m_t = self.camp_from[m_camp] + (rng.random(n_mkt) * (self.camp_to[m_camp] - self.camp_from[m_camp])).astype(
            np.int64
        )
        m_is_lead = rng.random(n_mkt) < 0.6
        lead = np.concatenate(
            [ft_lead, fl, np.full(n_opp_f, -1), np.where(m_is_lead, rng.integers(0, self.n_leads, n_mkt), -1)]
        )
        contact = np.concatenate(
            [
                np.full(nft + n_lead_f, -1),
                self.contact_of(o["acc"][fo]),
                np.where(m_is_lead, -1, rng.integers(0, self.n_con, n_mkt)),
            ]
        )
        sender = np.concatenate([self.lead_owner[ft_lead], self.lead_owner[fl], o["owner"][fo], np.full(n_mkt, -1)])
        sent = np.concatenate([ft_t, self.biz(fl_t), self.biz(fo_t), self.biz(m_t)])
        sent = np.clip(sent, self.T0, self.T1 - HOUR)
        camp = np.concatenate([np.full(nft + n_sales, -1), m_camp])
        step = np.concatenate([np.ones(nft, np.int64), rng.integers(2, 6, n_sales), np.full(n_mkt, -1)])
        # account and deal of each message, carried to the meetings its replies lead to
        msg_acc = np.concatenate([np.full(nft + n_lead_f, -1), o["acc"][fo], np.full(n_mkt, -1)])
        msg_opp = np.concatenate([np.full(nft + n_lead_f, -1), fo, np.full(n_mkt, -1)])
        nm = len(sent)
        is_sales = sender >= 0
        self.write_events(
            "email.messages",
            {
                "message_id": Ids("msg_", np.arange(nm)),
                "sender_user_id": Ids("usr_", sender),
                "campaign_id": Ids("cmp_", camp),
                "lead_id": Ids("lead_", lead),
                "contact_id": Ids("con_", contact),
                "recipient_email": Sql(
                    "case when lead_id is not null then 'lead' || lead_id || '@example.org' "
                    "else 'contact' || contact_id || '@example.com' end"
                ),
                "sequence_step": IntN(step),
                "sent_at": sent,
            },
            sent,
            fmt="parquet",
        )
        # events per message
        bounce = rng.random(nm) < np.where(is_sales, 0.04, 0.06)
        deliv = ~bounce
        opener = deliv & (rng.random(nm) < np.where(is_sales, 0.45, 0.25))
        n_open = np.where(opener, 1 + rng.poisson(1.6, nm), 0)
        click = opener & (rng.random(nm) < 0.2)
        reply = opener & is_sales & (rng.random(nm) < 0.15)
        unsub = deliv & ~is_sales & (rng.random(nm) < 0.015)
        per = 1 + n_open + click + reply + unsub
        emsg = np.repeat(np.arange(nm), per)
        pos = np.arange(len(emsg)) - np.repeat(np.cumsum(per) - per, per)
        # position 0: delivered/bounce; 1..n_open: opens; then click, reply, unsubscribe in that order
        no_ = n_open[emsg]
        etype = np.where(pos == 0, np.where(bounce[emsg], 1, 0), 2)
        rest = pos - no_  # 1.. after opens
        extra_kind = np.full(len(emsg), -1)
        c1 = click[emsg]
        r1 = reply[emsg]
        extra_kind = np.where(rest == 1, np.where(c1, 3, np.where(r1, 4, 5)), extra_kind)
        extra_kind = np.where(rest == 2, np.where(c1 & r1, 4, 5), extra_kind)
        extra_kind = np.where(rest == 3, 5, extra_kind)
        etype = np.where((pos > 0) & (rest >= 1), extra_kind, etype)
        delay = np.where(
            etype <= 1,
            rng.integers(1, 300, len(emsg)),
            (np.exp(rng.normal(np.log(3), 1.2, len(emsg))) * HOUR).astype(np.int64) + pos * 60,
        )
        eat = sent[emsg] + delay
        ok = eat < self.T1
        emsg, etype, eat = emsg[ok], etype[ok], eat[ok]
        ne = len(emsg)
        dup = np.flatnonzero(rng.random(ne) < 0.004)
        eid = np.concatenate([np.arange(ne), dup])
        emsg2 = np.concatenate([emsg, emsg[dup]])
        etype2 = np.concatenate([etype, etype[dup]])
        eat2 = np.concatenate([eat, eat[dup]])
        fidx = np.concatenate([self.w.file_index(eat), np.minimum(self.w.file_index(eat[dup]) + 1, self.months)])
        self.w.write(
            "email.events",
            {
                "event_id": Ids("eve_", eid),
                "message_id": Ids("msg_", emsg2),
                "event_type": Cat(EMAIL_EVENTS, etype2),
                "event_at": eat2,
            },
            fidx,
            fmt="parquet",
        )
        # replies that lead to a meeting (credited to the email)
        rep_msg = emsg[(etype == 4)]
        rep_msg = rep_msg[rng.random(len(rep_msg)) < 0.35]
        self.email_meet = dict(
            owner=sender[rep_msg],
            lead=lead[rep_msg],
            contact=contact[rep_msg],
            acc=msg_acc[rep_msg],
            opp=msg_opp[rep_msg],
            t=sent[rep_msg],
        )
        self.n_sales_emails = int(is_sales.sum())

    # ------------------------------------------------------------------ activities
    def activities(self) -> None:
        rng = self.rng
        o = self.opp
        na = max(8_000, round(3_000_000 * self.flow))
        # first-touch calls to leads
        ftl = np.flatnonzero(self.lead_touch_call)
        ft_t = self.lead_created[ftl] + (np.exp(rng.normal(np.log(20), 1.0, len(ftl))) * HOUR).astype(np.int64)
        keep = (ft_t < self.T1) & (ft_t >= self.T0)
        ftl, ft_t = ftl[keep], ft_t[keep]
        n_calls = max(round(na * 0.55) - len(ftl), 0)
        n_lc = round(n_calls * 0.45)
        n_oc = n_calls - n_lc
        cl = rng.integers(0, self.n_leads, n_lc)
        cl_t = self.lead_time(cl, 30 * DAY)
        co, co_t = self.opp_pick(n_oc)
        c_owner = np.concatenate([self.lead_owner[ftl], self.lead_owner[cl], o["owner"][co]])
        c_lead = np.concatenate([ftl, cl, np.full(n_oc, -1)])
        c_acc = np.concatenate([np.full(len(ftl) + n_lc, -1), o["acc"][co]])
        c_con = np.concatenate([np.full(len(ftl) + n_lc, -1), self.contact_of(o["acc"][co])])
        c_opp = np.concatenate([np.full(len(ftl) + n_lc, -1), co])
        c_t = np.concatenate([ft_t, self.biz(cl_t), self.biz(co_t)])
        c_t = np.clip(c_t, self.T0, self.T1 - 3 * HOUR)
        nc = len(c_t)
        outcome = rng.choice(4, nc, p=[0.3, 0.42, 0.23, 0.05])
        dur = np.select(
            [outcome == 0, outcome == 1, outcome == 2],
            [rng.integers(60, 1500, nc), rng.integers(0, 30, nc), rng.integers(20, 90, nc)],
            rng.integers(5, 30, nc),
        )
        # meetings booked after connected calls and replied emails, within 14 days, same lead/contact
        mk = np.flatnonzero((outcome == 0) & (rng.random(nc) < 0.3))
        em = self.email_meet
        m_owner = np.concatenate([c_owner[mk], em["owner"]])
        m_lead = np.concatenate([c_lead[mk], em["lead"]])
        m_con = np.concatenate([c_con[mk], em["contact"]])
        m_acc = np.concatenate([c_acc[mk], em["acc"]])
        m_opp = np.concatenate([c_opp[mk], em["opp"]])
        touch_t = np.concatenate([c_t[mk], em["t"]])
        nm = len(touch_t)
        m_created = touch_t + self.secs(nm, HOUR, 12 * DAY)
        keep = m_created < self.T1 - HOUR
        m_owner, m_lead, m_con, m_acc, m_opp, m_created = (
            a[keep] for a in (m_owner, m_lead, m_con, m_acc, m_opp, m_created)
        )
        nm = len(m_created)
        m_at = self.biz(m_created + self.secs(nm, DAY, 10 * DAY))
        future = m_at >= self.T1 - HOUR
        m_at = np.where(future, self.T1 - HOUR - self.secs(nm, 0, 2 * DAY), m_at)
        m_at = np.maximum(m_at, m_created + HOUR)
        future |= m_at >= self.T1 - 2 * DAY
        m_status = np.where(future, 0, rng.choice([1, 2, 3], nm, p=[0.78, 0.1, 0.12]))
        # proposals: when the deal entered the proposal stage; demos and tasks on deals
        hp = np.flatnonzero((self.hist_stage == 3) & (self.hist_t >= self.T0))
        p_opp = self.hist_opp[hp]
        p_t = self.hist_t[hp]
        n_demo = round(na * 0.05)
        d_opp, d_t = self.opp_pick(n_demo)
        d_t = self.biz(d_t)
        n_task = max(0, na - nc - nm - len(p_opp) - n_demo)
        t_opp, t_t = self.opp_pick(n_task)
        t_t = self.biz(t_t)
        x_opp = np.concatenate([p_opp, d_opp, t_opp])
        x_t = np.clip(np.concatenate([p_t, d_t, t_t]), self.T0, self.T1 - 3 * HOUR)
        nx = len(x_opp)
        atype = np.concatenate(
            [
                np.zeros(nc, np.int64),
                np.ones(nm, np.int64),
                np.full(len(p_opp), 2),
                np.full(n_demo, 3),
                np.full(n_task, 4),
            ]
        )
        owner = np.concatenate([c_owner, m_owner, o["owner"][x_opp]])
        lead = np.concatenate([c_lead, m_lead, np.full(nx, -1)])
        con = np.concatenate([c_con, m_con, self.contact_of(o["acc"][x_opp])])
        acc = np.concatenate([c_acc, m_acc, o["acc"][x_opp]])
        opp = np.concatenate([c_opp, m_opp, x_opp])
        at = np.concatenate([c_t, m_at, x_t])
        created = np.concatenate([c_t + self.secs(nc, 60, 2 * HOUR), m_created, x_t + self.secs(nx, 60, 2 * HOUR)])
        created = self.clip_t(created)
        duration = np.concatenate([dur, np.where(rng.random(nm) < 0.7, 1800, 3600), np.full(nx, -1)])
        duration[atype == 3] = 3600
        call_outcome = np.concatenate([outcome, np.full(nm + nx, -1)])
        meeting_status = np.concatenate([np.full(nc, -1), m_status, np.full(nx, -1)])
        upd = np.where(
            atype == 1,
            np.where(meeting_status == 0, created, at + HOUR),
            created + self.secs(len(at), 0, HOUR),
        )
        upd = np.maximum(self.clip_t(upd), created)
        n = len(at)
        self.act = dict(type=atype, owner=owner, at=at)
        self.write_versioned(
            "crm.activities",
            {
                "activity_id": Ids("act_", np.arange(n)),
                "activity_type": Cat(ACTIVITY_TYPES, atype),
                "owner_user_id": Ids("usr_", owner),
                "lead_id": Ids("lead_", lead),
                "contact_id": Ids("con_", con),
                "account_id": Ids("acc_", acc),
                "opportunity_id": Ids("opp_", opp),
                "activity_at": at,
                "duration_seconds": IntN(duration),
                "call_outcome": Cat(CALL_OUTCOMES, call_outcome),
                "meeting_status": Cat(MEETING_STATUSES, meeting_status),
                "created_at": created,
                "updated_at": upd,
                "is_deleted": np.zeros(n, bool),
            },
            created,
            # a meeting's first extract shows it as scheduled
            old_share=0.05,
            old_values=lambda idx: {"meeting_status": np.where(atype[idx] == 1, 0, meeting_status[idx])},
            del_share=0.003,
            offset_share=0.02,
        )

    # ------------------------------------------------------------------ crm misc
    def crm_misc(self) -> None:
        rng = self.rng
        # territories and products (reference data)
        nt = len(TERRITORIES)
        self.write_versioned(
            "crm.territories",
            {
                "territory_id": Cat(tuple(t[0] for t in TERRITORIES), np.arange(nt)),
                "territory_name": Cat(tuple(t[1] for t in TERRITORIES), np.arange(nt)),
                "region": Cat(
                    ("NA", "EMEA", "APAC", "LATAM"),
                    np.array([("NA", "EMEA", "APAC", "LATAM").index(t[2]) for t in TERRITORIES]),
                ),
                "country_code": Cat(tuple(t[3] for t in TERRITORIES), np.arange(nt)),
                "updated_at": np.full(nt, self.T0 - 400 * DAY),
            },
            np.full(nt, self.T0 - 400 * DAY),
        )
        npd = len(PRODUCTS)
        self.write_versioned(
            "crm.products",
            {
                "product_id": Ids("prd_", np.arange(npd)),
                "product_name": Cat(tuple(p[0] for p in PRODUCTS), np.arange(npd)),
                "product_family": Cat(
                    tuple(sorted({p[1] for p in PRODUCTS})),
                    np.array([sorted({p[1] for p in PRODUCTS}).index(p[1]) for p in PRODUCTS]),
                ),
                "list_price": np.array([p[2] for p in PRODUCTS]),
                "currency_code": Cat(CURRENCIES, np.zeros(npd, np.int64)),
                "is_active": np.array([p[0] != "Legacy Reports" for p in PRODUCTS]),
                "updated_at": np.full(npd, self.T0 - 200 * DAY) + np.arange(npd) * HOUR,
            },
            np.full(npd, self.T0 - 300 * DAY),
        )
        # NPS responses from customers: ~45% promoters, ~25% detractors
        nn = max(200, round(3_000 * self.flow))
        acc = self.sub_acc[rng.integers(0, len(self.sub_acc), nn)]
        score = np.where(
            rng.random(nn) < 0.45,
            rng.integers(9, 11, nn),
            np.where(rng.random(nn) < 0.6, rng.integers(7, 9, nn), rng.integers(0, 7, nn)),
        )
        t = self.T0 + self.secs(nn, 0, self.T1 - self.T0 - 1)
        comment = np.where(rng.random(nn) < 0.4, rng.integers(0, 4, nn), -1)
        self.write_events(
            "crm.nps_responses",
            {
                "response_id": Ids("nps_", np.arange(nn)),
                "account_id": Ids("acc_", acc),
                "contact_id": Ids("con_", np.where(rng.random(nn) < 0.7, self.contact_of(acc), -1)),
                "score": score.astype(np.int64),
                "responded_at": t,
                "comment": Cat(
                    ("Great support", "Too expensive", "Works well, but slow", 'Loved the "forecast" view'),
                    comment,
                ),
            },
            t,
            offset_share=0.02,
        )
        # support tickets
        ns = max(200, round(8_000 * self.flow))
        acc = self.sub_acc[rng.integers(0, len(self.sub_acc), ns)]
        opened = self.T0 + self.secs(ns, 0, self.T1 - self.T0 - 1)
        closed = opened + (np.exp(rng.normal(np.log(24), 1.0, ns)) * HOUR).astype(np.int64)
        closed = np.where(closed < self.T1, closed, NAT)
        upd = np.where(closed != NAT, closed, opened)
        self.write_versioned(
            "crm.support_tickets",
            {
                "ticket_id": Ids("tkt_", np.arange(ns)),
                "account_id": Ids("acc_", acc),
                "category": Cat(("complaint", "question", "incident"), rng.choice(3, ns, p=[0.25, 0.5, 0.25])),
                "opened_at": opened,
                "closed_at": closed,
                "updated_at": upd,
            },
            opened,
            old_share=0.3,
            old_values=lambda idx: {"closed_at": NAT},
        )
        # CRM usage: logins on most weekdays of a user's active time, plus record edits
        users = np.flatnonzero(self.role <= 3)
        wd = self.workdays * DAY
        uu = np.repeat(users, len(wd))
        dd = np.tile(wd, len(users))
        active = (dd >= self.act_from[uu] // DAY * DAY) & (dd < self.act_to[uu])
        # some people rarely open the CRM, so adoption is not trivially 100%
        habit = self.u(self.n_users, 0.3, 0.97)
        p_login = habit[uu]
        login = active & (rng.random(len(uu)) < p_login)
        edits = np.where(login, rng.poisson(2.5, len(uu)), 0)
        per = login + edits
        eu = np.repeat(uu, per)
        ed = np.repeat(dd, per)
        pos = np.arange(len(eu)) - np.repeat(np.cumsum(per) - per, per)
        etype = np.where(pos == 0, 0, rng.choice([1, 2], len(eu), p=[0.3, 0.7]))
        et = ed + 7 * HOUR + pos * 1800 + self.secs(len(eu), 0, 1800)
        ne = len(eu)
        self.write_events(
            "crm.user_events",
            {
                "event_id": Ids("uev_", np.arange(ne)),
                "user_id": Ids("usr_", eu),
                "event_type": Cat(("login", "record_create", "record_update"), etype),
                "event_at": et,
            },
            et,
            offset_share=0.02,
        )
        # quotas: per rep and month of activity, set so that a minority of reps attain them
        reps = self.reps
        rr = np.repeat(reps, self.months)
        mm = np.tile(np.arange(self.months), len(reps))
        ms, me = self.month_bounds[mm], self.month_bounds[mm + 1]
        on = (self.act_from[rr] < me) & (self.act_to[rr] > ms)
        rr, mm, ms = rr[on], mm[on], ms[on]
        active_reps = np.bincount(mm, minlength=self.months)
        per_rep = self.bookings_usd / np.maximum(active_reps, 1)
        quota = np.round(per_rep[mm] * self.u(len(rr), 0.9, 1.6), -3)
        quota = np.maximum(quota, 1000.0)
        qupd = ms - self.secs(len(rr), 2 * DAY, 10 * DAY)
        self.write_versioned(
            "crm.quotas",
            {"user_id": Ids("usr_", rr), "period_month": ms, "quota_amount": quota, "updated_at": qupd + DAY},
            qupd,
            old_share=0.1,
            old_values=lambda idx: {"quota_amount": np.round(quota[idx] * 1.2, -3)},
        )
        self.targets(reps)

    def targets(self, reps: np.ndarray) -> None:
        catalog = load_metric_catalog()["metrics"]
        m = self.months
        calls_pm = float((self.act["type"] == 0).sum()) / m
        meet_pm = float((self.act["type"] == 1).sum()) / m
        company = {
            "bookings": self.bookings_usd.mean() * 1.1,
            "revenue": self.bookings_usd.mean() * 1.05,
            "opportunities_created": self.opp["n"] / m * 1.1,
            "win_rate": 0.3,
            "calls_made": calls_pm * 1.05,
            "meetings_scheduled": meet_pm * 1.1,
            "leads_created": self.n_leads / m * 1.1,
            "mqls": self.n_leads * 0.45 / m,
            "nps": 30.0,
            "customer_churn_rate": 0.01,
            "call_connect_rate": 0.3,
        }
        per_rep = {
            "bookings": self.bookings_usd.mean() / len(reps),
            "calls_made": calls_pm / len(self.sellers),
        }
        rows_metric, rows_user, rows_grain, rows_start, rows_value = [], [], [], [], []
        month_starts = self.month_bounds[:m]
        for metric, value in company.items():
            if metric not in catalog:
                raise ValueError(f"generate: target metric {metric!r} is not in metrics.yml")
            rows_metric.append(np.full(m, metric, object))
            rows_user.append(np.full(m, -1))
            rows_grain.append(np.zeros(m, np.int64))
            rows_start.append(month_starts)
            rows_value.append(np.full(m, value) * self.u(m, 0.95, 1.05))
        months_of = (month_starts // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(int) % 12
        quarters = month_starts[months_of % 3 == 0]
        for metric in ("bookings", "revenue"):
            rows_metric.append(np.full(len(quarters), metric, object))
            rows_user.append(np.full(len(quarters), -1))
            rows_grain.append(np.ones(len(quarters), np.int64))
            rows_start.append(quarters)
            rows_value.append(np.full(len(quarters), company[metric] * 3))
        years = month_starts[months_of == 0]
        rows_metric.append(np.full(len(years), "revenue", object))
        rows_user.append(np.full(len(years), -1))
        rows_grain.append(np.full(len(years), 2, np.int64))
        rows_start.append(years)
        rows_value.append(np.full(len(years), company["revenue"] * 12))
        for metric, value in per_rep.items():
            k = len(reps) * m
            rows_metric.append(np.full(k, metric, object))
            rows_user.append(np.repeat(reps, m))
            rows_grain.append(np.zeros(k, np.int64))
            rows_start.append(np.tile(month_starts, len(reps)))
            rows_value.append(value * self.u(k, 0.8, 1.3))
        metric = np.concatenate(rows_metric)
        nt = len(metric)
        vocab = tuple(sorted(set(metric)))
        codes = np.searchsorted(np.array(vocab, dtype=object), metric)
        start = np.concatenate(rows_start)
        upd = start - 3 * DAY
        self.write_versioned(
            "crm.targets",
            {
                "target_id": Ids("tgt_", np.arange(nt)),
                "metric_id": Cat(vocab, codes),
                "user_id": Ids("usr_", np.concatenate(rows_user)),
                "period_grain": Cat(("month", "quarter", "year"), np.concatenate(rows_grain)),
                "period_start": start,
                "target_value": np.round(np.concatenate(rows_value), 2),
                "updated_at": upd,
            },
            upd - DAY,
        )

    # ------------------------------------------------------------------ marketing tables
    def marketing(self) -> None:
        rng = self.rng
        # ad performance: daily rows of paid campaigns, clicks tied to the leads they produced
        paid = np.flatnonzero(self.camp_channel <= 1)
        day0 = self.T0 // DAY
        ndays = (self.T1 - self.T0) // DAY
        cc, dd = np.repeat(paid, ndays), np.tile(np.arange(ndays), len(paid))
        t = (day0 + dd) * DAY
        on = (t >= self.camp_from[cc] // DAY * DAY) & (t < self.camp_to[cc])
        cc, dd, t = cc[on], dd[on], t[on]
        leads_cd = np.zeros((self.n_camp, ndays))
        # count this generator's leads per campaign and day (leads before the window are ignored)
        lc = self._lead_campaign
        ld = (self.lead_created // DAY) - day0
        ok = (lc >= 0) & (ld >= 0) & (ld < ndays)
        np.add.at(leads_cd, (lc[ok], ld[ok]), 1)
        conv = self.u(self.n_camp, 0.04, 0.12)
        ctr = self.u(self.n_camp, 0.01, 0.05)
        clicks = np.round(leads_cd[cc, dd] / conv[cc] + rng.poisson(20 * max(self.scale, 0.05), len(cc))).astype(
            np.int64
        )
        impressions = np.round(clicks / ctr[cc] * self.u(len(cc), 0.9, 1.1)).astype(np.int64) + 1
        cpc = self.u(self.n_camp, 2.0, 8.0)
        cur = self.camp_currency[cc]
        spend = np.round(clicks * cpc[cc] * self.u(len(cc), 0.9, 1.1) * LOCAL_PER_USD[cur], 2)
        self.w.write(
            "marketing.ad_performance_daily",
            {
                "campaign_id": Ids("cmp_", cc),
                "performance_date": t,
                "impressions": impressions,
                "clicks": clicks,
                "spend": spend,
                "currency_code": Cat(CURRENCIES, cur),
            },
            self.w.file_index(t),
        )
        # other costs: monthly rows per category, sized by headcount and bookings
        m = self.months
        n_sales = int(self.is_sales.sum())
        sales_cat = {
            "salaries": 6_000 * n_sales,
            "commissions": 0.0,
            "tools": 150 * n_sales,
            "travel": 400 * n_sales,
        }
        mkt_cat = {
            "agency": self.bookings_usd.mean() * 0.04,
            "tools": self.bookings_usd.mean() * 0.01,
            "events": 0.0,
            "content": 0.0,
        }
        rows = []
        for mi in range(m):
            ms = int(self.month_bounds[mi])
            last = int(self.month_bounds[mi + 1]) - DAY
            for cat, base in sales_cat.items():
                val = self.bookings_usd[mi] * 0.08 if cat == "commissions" else base
                rows.append((last, 0, cat, -1, val, 0))
                rows.append((last, 0, cat, -1, val * 0.25, 1))
            for cat, base in mkt_cat.items():
                if cat in ("events", "content"):
                    ch = 3 if cat == "events" else 4
                    live = np.flatnonzero(
                        (self.camp_channel == ch) & (self.camp_from < ms + 31 * DAY) & (self.camp_to > ms)
                    )
                    for c in live:
                        rows.append(
                            (
                                ms + 14 * DAY,
                                1,
                                cat,
                                int(c),
                                self.bookings_usd.mean() * 0.01,
                                int(self.camp_currency[c]),
                            )
                        )
                else:
                    rows.append((last, 1, cat, -1, base, 0))
        nrow = len(rows)
        arr = list(zip(*rows, strict=True))
        cat_vocab = ("salaries", "commissions", "tools", "travel", "agency", "events", "content")
        amounts = np.array(arr[4]) * self.u(nrow, 0.9, 1.1) * LOCAL_PER_USD[np.array(arr[5])]
        cdate = np.array(arr[0], np.int64)
        self.w.write(
            "marketing.costs",
            {
                "cost_id": Ids("cst_", np.arange(nrow)),
                "cost_date": cdate,
                "cost_type": Cat(("sales", "marketing"), np.array(arr[1])),
                "category": Cat(cat_vocab, np.array([cat_vocab.index(c) for c in arr[2]])),
                "campaign_id": Ids("cmp_", np.array(arr[3])),
                "amount": np.round(amounts, 2),
                "currency_code": Cat(CURRENCIES, np.array(arr[5])),
            },
            self.w.file_index(cdate),
        )
        # social engagements on reps' posts (some on the company page, no rep)
        ns = max(600, round(60_000 * self.flow))
        user, t = self.in_active(self.sellers, ns)
        user = np.where(rng.random(ns) < 0.15, -1, user)
        t = self.clip_t(t)
        self.write_events(
            "marketing.social_engagements",
            {
                "engagement_id": Ids("soc_", np.arange(ns)),
                "user_id": Ids("usr_", user),
                "network": Cat(NETWORKS, rng.choice(5, ns, p=[0.6, 0.2, 0.1, 0.05, 0.05])),
                "engagement_type": Cat(
                    ("like", "share", "comment", "mention"), rng.choice(4, ns, p=[0.6, 0.15, 0.15, 0.1])
                ),
                "occurred_at": t,
            },
            t,
        )

    # ------------------------------------------------------------------ HR
    def hr(self) -> None:
        rng = self.rng
        nu = self.n_users
        people = np.flatnonzero(self.role != 4)
        n_other = max(5, round(len(people) * 0.1))
        ne = nu + n_other  # employee idx = user idx for users; integration user's slot stays unused
        dept = np.full(ne, 3)  # 0 sales, 1 marketing, 2 finance, 3 unused, 4 engineering, 5 hr
        dept[:nu] = np.where(self.role <= 2, 0, np.where(self.role == 3, 1, 3))
        dept[nu:] = rng.choice([2, 4, 5], n_other)
        emp = np.flatnonzero(dept != 3)
        hire = np.concatenate([self.hire, (self.T0 - self.secs(n_other, 30 * DAY, 6 * 365 * DAY)) // DAY * DAY])
        term = np.concatenate([self.term, np.full(n_other, NAT)])
        reason = np.concatenate([self.term_reason, np.full(n_other, -1)])
        role = np.concatenate([self.role, np.full(n_other, 4)])
        title = np.where(role == 2, 0, np.where(role == 0, 1, np.where(role == 1, 2, np.where(role == 3, 3, 4))))
        mgr = np.full(ne, -1)
        mgr[:nu] = np.where((self.team >= 0) & (self.role != 2), np.maximum(self.team, 0), -1)
        cur = np.zeros(ne, np.int64)
        cur[:nu] = np.where(
            self.terr >= 0,
            np.array([CURRENCIES.index(t[4]) for t in TERRITORIES])[np.maximum(self.terr, 0)],
            0,
        )
        salary = np.array([70_000, 55_000, 120_000, 65_000, 80_000])[title] * self.u(ne, 0.85, 1.2) * LOCAL_PER_USD[cur]
        upd = np.where(term != NAT, term + 10 * HOUR, hire + self.secs(ne, DAY, 20 * DAY))
        sel = emp
        self.write_versioned(
            "hr.employees",
            {
                "employee_id": Ids("emp_", sel),
                "full_name": Sql(_name_sql("_eid")),
                "_eid": sel,
                "email": Sql("'emp' || _eid || '@salesmart-demo.com'"),
                "department": Cat(("sales", "marketing", "finance", "unused", "engineering", "hr"), dept[sel]),
                "job_title": Cat(
                    ("Sales Manager", "Account Executive", "SDR", "Marketing Manager", "Specialist"),
                    title[sel],
                ),
                "manager_employee_id": Ids("emp_", mgr[sel]),
                "hire_date": hire[sel],
                "termination_date": term[sel],
                "termination_reason": Cat(("voluntary", "involuntary"), reason[sel]),
                "base_salary": np.round(salary[sel], 0),
                "currency_code": Cat(CURRENCIES, cur[sel]),
                "updated_at": upd[sel],
            },
            hire[sel],
            # before the termination was entered the record had no termination
            old_share=0.6,
            old_values=lambda idx: {"termination_date": NAT, "termination_reason": -1},
        )
        # requisitions: one filled per hire inside the window, plus open and cancelled ones
        hired = sel[hire[sel] >= self.T0]
        nh = len(hired)
        n_open = max(2, round(nh * 0.3))
        n_canc = max(1, round(nh * 0.15))
        nr = nh + n_open + n_canc
        opened = np.concatenate(
            [
                hire[hired] - self.secs(nh, 30 * DAY, 75 * DAY),
                self.T1 - self.secs(n_open, 5 * DAY, 90 * DAY),
                self.T0 + self.secs(n_canc, 0, self.T1 - self.T0 - 40 * DAY),
            ]
        )
        filled = np.concatenate([hire[hired] - self.secs(nh, 7 * DAY, 21 * DAY), np.full(n_open + n_canc, NAT)])
        filled = np.where(filled != NAT, np.maximum(filled, opened + DAY), NAT)
        status = np.concatenate([np.ones(nh, np.int64), np.zeros(n_open, np.int64), np.full(n_canc, 2)])
        rdept = np.concatenate([dept[hired], rng.choice([0, 0, 0, 1], n_open + n_canc)])
        rupd = np.where(filled != NAT, filled, opened + np.where(status == 2, 30 * DAY, 0))
        rupd = self.clip_t(rupd + HOUR)
        self.write_versioned(
            "hr.requisitions",
            {
                "requisition_id": Ids("req_", np.arange(nr)),
                "department": Cat(("sales", "marketing", "finance", "unused", "engineering", "hr"), rdept),
                "job_title": Cat(
                    ("Sales Manager", "Account Executive", "SDR", "Marketing Manager", "Specialist"),
                    np.concatenate([title[hired], np.where(rdept[nh:] == 0, 1, 3)]),
                ),
                "opened_at": opened,
                "filled_at": filled,
                "hired_employee_id": Ids("emp_", np.concatenate([hired, np.full(n_open + n_canc, -1)])),
                "status": Cat(("open", "filled", "cancelled"), status),
                "updated_at": rupd,
            },
            opened,
            old_share=0.7,
            old_values=lambda idx: {
                "filled_at": NAT,
                "hired_employee_id": -1,
                "status": np.zeros(len(idx), np.int64),
            },
        )
        # applications: 10-40 per requisition; the filled ones have one hired application
        na_per = 8 + rng.poisson(18, nr)
        ar = np.repeat(np.arange(nr), na_per)
        pos = np.arange(len(ar)) - np.repeat(np.cumsum(na_per) - na_per, na_per)
        nap = len(ar)
        close = np.where(filled != NAT, filled, np.where(status == 2, rupd, self.T1 - DAY))
        applied = opened[ar] + (rng.random(nap) * np.maximum(close[ar] - opened[ar] - DAY, DAY)).astype(np.int64)
        applied = self.clip_t(applied)
        astage = rng.choice([0, 1, 2, 3, 5, 6], nap, p=[0.25, 0.2, 0.15, 0.03, 0.3, 0.07])
        astage = np.where((pos == 0) & (status[ar] == 1), 4, astage)
        cand = np.arange(nap)
        reuse = rng.random(nap) < 0.05
        cand[reuse] = rng.integers(0, nap, int(reuse.sum()))
        aupd = np.maximum(self.clip_t(applied + self.secs(nap, HOUR, 20 * DAY)), applied)
        self.write_versioned(
            "hr.applications",
            {
                "application_id": Ids("app_", np.arange(nap)),
                "requisition_id": Ids("req_", ar),
                "candidate_id": Ids("cand_", cand),
                "applied_at": applied,
                "stage": Cat(APP_STAGES, astage),
                "updated_at": aupd,
            },
            applied,
            old_share=0.3,
            old_values=lambda idx: {"stage": np.zeros(len(idx), np.int64)},
        )
        # training
        ncourse = 16
        cskill = np.arange(ncourse) % len(SKILLS)
        cdur = np.array([2, 4, 6, 8, 12, 16, 3, 5, 7, 10, 4, 6, 8, 2, 3, 14], float)
        self.write_versioned(
            "hr.training_courses",
            {
                "course_id": Ids("crs_", np.arange(ncourse)),
                "course_name": Sql("'Course ' || _i || ': ' || skill"),
                "_i": np.arange(ncourse),
                "skill": Cat(SKILLS, cskill),
                "duration_hours": cdur,
                "updated_at": np.full(ncourse, self.T0 - 100 * DAY),
            },
            np.full(ncourse, self.T0 - 200 * DAY),
        )
        sales_emp = sel[dept[sel] == 0]
        ne_en = max(100, round(len(sales_emp) * 0.6 * self.months))
        e_emp, e_at = self.in_active(sales_emp, ne_en)
        e_at = self.biz(e_at)
        e_at = np.clip(e_at, self.T0, self.T1 - DAY)
        course = rng.integers(0, ncourse, ne_en)
        comp_t = e_at + self.secs(ne_en, 3 * DAY, 40 * DAY)
        done = (rng.random(ne_en) < 0.8) & (comp_t < self.T1)
        completed = np.where(done, comp_t, NAT)
        hours = np.where(done, np.round(cdur[course] * self.u(ne_en, 0.8, 1.3), 1), np.nan)
        score = np.where(
            done & (rng.random(ne_en) < 0.9), np.round(np.clip(rng.normal(78, 10, ne_en), 30, 100), 1), np.nan
        )
        ecur = cur[e_emp]
        cost = np.round(self.u(ne_en, 100, 1500) * LOCAL_PER_USD[ecur], 2)
        eupd = np.where(done, completed, e_at) + HOUR
        self.write_versioned(
            "hr.training_enrollments",
            {
                "enrollment_id": Ids("enr_", np.arange(ne_en)),
                "employee_id": Ids("emp_", e_emp),
                "course_id": Ids("crs_", course),
                "enrolled_at": e_at,
                "completed_at": completed,
                "hours_spent": hours,
                "cost": cost,
                "currency_code": Cat(CURRENCIES, ecur),
                "assessment_score": score,
                "updated_at": self.clip_t(eupd),
            },
            e_at,
            old_share=0.5,
            old_values=lambda idx: {"completed_at": NAT, "hours_spent": np.nan, "assessment_score": np.nan},
        )
        # time entries: each sales employee, each workday employed, several categories
        wd = self.workdays * DAY
        ee = np.repeat(sales_emp, len(wd))
        dd = np.tile(wd, len(sales_emp))
        on = (dd >= hire[ee]) & ((term[ee] == NAT) | (dd <= term[ee])) & (rng.random(len(ee)) < 0.93)
        ee, dd = ee[on], dd[on]
        nd = len(ee)
        is_mgr = role[ee] == 2
        p = np.array([1.0, 0.8, 0.9, 0.5, 0.0, 0.1, 0.7, 0.2])
        lo = np.array([3.5, 0.5, 0.5, 0.25, 1.0, 1.0, 0.25, 0.25])
        hi = np.array([6.5, 1.5, 1.5, 1.5, 2.0, 3.0, 1.0, 1.0])
        present = rng.random((nd, 8)) < p
        present[:, 4] = is_mgr & (rng.random(nd) < 0.3)
        rows, cats = np.nonzero(present)
        hours = np.round((lo[cats] + (hi[cats] - lo[cats]) * rng.random(len(rows))) * 4) / 4
        sales_req = np.flatnonzero(rdept == 0)
        req = np.where(
            cats == 4,
            sales_req[rng.integers(0, max(len(sales_req), 1), len(rows))] if len(sales_req) else -1,
            -1,
        )
        tdate = dd[rows]
        tupd = self.clip_t(tdate + 17 * HOUR + self.secs(len(rows), 0, 3 * HOUR))
        nte = len(rows)
        self.w.write(
            "hr.time_entries",
            {
                "entry_id": Ids("tme_", np.arange(nte)),
                "employee_id": Ids("emp_", ee[rows]),
                "work_date": tdate,
                "category": Cat(TIME_CATEGORIES, cats),
                "hours": hours,
                "requisition_id": Ids("req_", req),
                "updated_at": tupd,
            },
            self.w.file_index(tupd),
        )

    # ------------------------------------------------------------------ fx
    def fx(self) -> None:
        """Daily rates for every currency from before the oldest subscription to the window's end."""
        rng = self.rng
        d0 = (self.T0 - 800 * DAY) // DAY
        d1 = self.T1 // DAY
        days = np.arange(d0, d1)
        nd = len(days)
        rates = [np.ones(nd)]
        for ccy in ("EUR", "GBP"):
            walk = np.exp(np.cumsum(rng.normal(0, 0.004, nd)))
            rates.append(np.round(FX_BASE[ccy] * walk / walk.mean(), 6))
        rate = np.concatenate(rates)
        cc = np.repeat(np.arange(3), nd)
        t = np.tile(days * DAY, 3)
        self.w.write(
            "crm.fx_rates",
            {"rate_date": t, "currency_code": Cat(CURRENCIES, cc), "rate_to_reporting": rate},
            self.w.file_index(t),
        )


def _name_sql(id_col: str) -> str:
    first = ", ".join(f"'{n}'" for n in FIRST_NAMES)
    last = ", ".join(f"'{n}'" for n in LAST_NAMES if "'" not in n) + ", 'O''Brien'"
    return (
        f"[{first}][1 + {id_col} % {len(FIRST_NAMES)}] || ' ' || "
        f"[{last}][1 + ({id_col} // {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]"
    )


def _stack(cols: dict, parts: list[tuple[np.ndarray, dict]]) -> dict:
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
