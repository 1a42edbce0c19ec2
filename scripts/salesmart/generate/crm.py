"""CRM core tables: users, accounts, contacts, opportunities (history, line items), leads, orders, subscriptions."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.contract import opportunity_stages
from salesmart.generate.common import (
    CURRENCIES,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    LIST_PRICES,
    LOCAL_PER_USD,
    N_OPEN_STAGES,
    PRODUCT,
    PRODUCTS,
    SELLER_ROLES,
    TERRITORIES,
    TERRITORY_CURRENCY,
    TERRITORY_IDS,
    GeneratorBase,
    LeadSource,
    Role,
    Segment,
    Stage,
    Stream,
    TerminationReason,
    name_sql,
    vocab,
)
from salesmart.generate.writer import DAY, NAT, Cat, Ids, IntN, Sql

# Share of accounts per territory (TERRITORIES order).
TERR_WEIGHTS = np.array([18, 14, 6, 12, 12, 8, 5, 5, 6, 4, 5, 5], dtype=float)
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
TITLES = ("CEO", "CFO", "VP Sales", "Head of IT", "Operations Manager", "Analyst", "Director of Marketing")
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
PERSONAS = ("economic_buyer", "champion", "technical_buyer", "end_user", "other")
NAME_SUFFIXES = ("Inc.", "Ltd", "GmbH", "S.A.", "& Co., LLC")
LOST_REASONS = ("price", "competitor", "no_decision", "timing", "no_budget")
LEAD_SOURCE_P = np.array([0.2, 0.15, 0.2, 0.1, 0.1, 0.1, 0.15])  # by LeadSource
# What is kept of every deal for later stages (self.opp), by dtype: small ones, as it grows with scale.
DEAL_STATE = {
    "type": np.int8,
    "owner": np.int32,
    "created": np.int64,
    "acc": np.int32,
    "amount": np.float64,
    "amount0": np.float64,
    "cur": np.int8,
    "won": bool,
    "closed": bool,
    "close_t": np.int64,
    "end_t": np.int64,
    "stage": np.int8,
    "exp_close": np.int64,
    "lost_reason": np.int8,
    "updated": np.int64,
    "lead": np.int32,
}
# What customers buy without a deal (self-serve orders).
SELF_SERVE_PRODUCTS = [PRODUCT["Platform Starter"], PRODUCT["Data Connectors"], PRODUCT["Mobile App"]]


class OppType(IntEnum):
    NEW_BUSINESS = 0
    EXPANSION = 1
    RENEWAL = 2


class LeadStatus(IntEnum):
    NEW = 0
    WORKING = 1
    NURTURING = 2
    DISQUALIFIED = 3
    CONVERTED = 4


class OrderStatus(IntEnum):
    BOOKED = 0
    CANCELLED = 1


def plan_product(segment: np.ndarray) -> np.ndarray:
    """The platform edition a subscription of the account's segment is for."""
    return np.where(segment == Segment.ENTERPRISE, PRODUCT["Platform Enterprise"], PRODUCT["Platform Pro"])


class CrmTables(GeneratorBase):
    """The sales CRM: who sells, to whom, and what was sold."""

    def org(self) -> None:
        rng = self.rng
        n_reps = max(15, round(200 * self.scale))
        n_teams = max(3, n_reps // 8)
        n_sdr = max(5, round(n_reps * 0.25))
        n_mkt = max(2, round(n_reps * 0.05))
        # users: managers, reps, sdrs, marketing, one integration user (no employee)
        role = np.concatenate(
            [
                np.full(n_teams, Role.SALES_MANAGER),
                np.full(n_reps, Role.SALES_REP),
                np.full(n_sdr, Role.SDR),
                np.full(n_mkt, Role.MARKETING),
                [Role.OTHER],
            ]
        )
        nu = len(role)
        team = np.full(nu, -1)
        team[:n_teams] = np.arange(n_teams)
        team[n_teams : n_teams + n_reps] = np.arange(n_reps) % n_teams
        sdr_slice = slice(n_teams + n_reps, n_teams + n_reps + n_sdr)
        team[sdr_slice] = np.arange(n_sdr) % n_teams
        team_terr = np.arange(n_teams) % len(TERRITORIES)
        terr = np.where(team >= 0, team_terr[np.maximum(team, 0)], -1)
        # a team's manager is the user whose index is the team's
        manager = np.where((team >= 0) & (role != Role.SALES_MANAGER), np.maximum(team, 0), -1)
        is_sales = role <= Role.SALES_MANAGER
        # HR: hire before the window (tenure up to 8 years) or inside it; some sales people leave.
        hire = self.T0 - self.secs(nu, 30 * DAY, 8 * 365 * DAY)
        new_hire = (rng.random(nu) < 0.15) & (role != Role.SALES_MANAGER)
        n_new = max(6, int(new_hire.sum()))
        seller = np.isin(role, SELLER_ROLES)
        cand = np.flatnonzero(seller)
        new_hire[:] = False
        new_hire[rng.choice(cand, min(n_new, len(cand)), replace=False)] = True
        hire[new_hire] = self.T0 + self.secs(int(new_hire.sum()), 0, max(self.T1 - self.T0 - 60 * DAY, DAY))
        hire = hire // DAY * DAY
        leaves = (rng.random(nu) < 0.18) & seller & ~new_hire
        n_leave = max(4, int(leaves.sum()))
        leaves[:] = False
        leaves[rng.choice(np.flatnonzero(seller & ~new_hire), n_leave, replace=False)] = True
        term = np.full(nu, NAT)
        lo = np.maximum(hire[leaves] + 60 * DAY, self.T0)
        term[leaves] = (lo + (rng.random(n_leave) * (self.T1 - DAY - lo)).astype(np.int64)) // DAY * DAY
        quits = rng.random(nu) < 0.65
        term_reason = np.where(leaves, np.where(quits, TerminationReason.VOLUNTARY, TerminationReason.INVOLUNTARY), -1)
        self.n_users, self.role, self.team, self.terr, self.n_teams = nu, role, team, terr, n_teams
        self.manager = manager
        self.act_from = np.maximum(hire, self.T0)
        self.act_to = np.where(term == NAT, self.T1, np.minimum(term + DAY, self.T1))
        self.reps = np.flatnonzero(role == Role.SALES_REP)
        self.sdrs = np.flatnonzero(role == Role.SDR)
        self.sellers = np.flatnonzero(seller)
        self.hire, self.term, self.term_reason, self.is_sales = hire, term, term_reason, is_sales
        self.rep_skill = self.u(nu, 0.75, 1.25)
        self.rep_sloppy = self.u(nu, 0.0, 0.25)

        is_active = term == NAT
        created = np.where(role == Role.OTHER, self.T0 - 900 * DAY, hire)
        upd = np.where(term != NAT, term + 9 * HOUR, created + self.secs(nu, DAY, 30 * DAY))
        emp_of_user = np.where(role == Role.OTHER, -1, np.arange(nu))  # employee idx = user idx for people
        cols = {
            "user_id": Ids("usr_", np.arange(nu)),
            "employee_id": Ids("emp_", emp_of_user),
            "full_name": Sql(name_sql("_uid")),
            "email": Sql("'user' || _uid || '@salesmart-demo.com'"),
            "role": Cat(vocab(Role), role),
            "manager_user_id": Ids("usr_", manager),
            "team": Sql("case when _team >= 0 then 'team_' || lpad(_team::varchar, 2, '0') end"),
            "territory_id": Cat(TERRITORY_IDS, terr),
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

    def accounts(self) -> None:
        rng = self.rng
        na = max(150, round(20_000 * self.scale))
        terr = rng.choice(len(TERRITORIES), na, p=TERR_WEIGHTS / TERR_WEIGHTS.sum())
        seg = rng.choice(len(Segment), na, p=[0.6, 0.3, 0.1])
        created = np.where(
            rng.random(na) < 0.75,
            self.T0 - self.secs(na, 30 * DAY, 5 * 365 * DAY),
            self.T0 + self.secs(na, 0, self.T1 - self.T0 - 30 * DAY),
        )
        customer = (created < self.T0) & (rng.random(na) < 0.45)
        cur = TERRITORY_CURRENCY[terr]
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
        # typical headcount by Segment
        emp = np.array([5, 40, 400])[self.acc_seg] * np.exp(rng.normal(0, 0.6, na))
        cols = {
            "account_id": Ids("acc_", np.arange(na)),
            "account_name": Sql("w1 || ' ' || w2 || ' ' || sx"),
            "w1": Cat(NAME_WORDS, rng.integers(0, len(NAME_WORDS), na)),
            "w2": Cat(NAME_WORDS2, rng.integers(0, len(NAME_WORDS2), na)),
            "sx": Cat(NAME_SUFFIXES, rng.integers(0, len(NAME_SUFFIXES), na)),
            "industry": Cat(INDUSTRIES, np.where(rng.random(na) < 0.05, -1, rng.integers(0, len(INDUSTRIES), na))),
            "segment": Cat(vocab(Segment), self.acc_seg),
            "employee_count": IntN(np.maximum(1, emp).astype(np.int64)),
            "billing_country": Cat(tuple(t[3] for t in TERRITORIES), self.acc_terr),
            "territory_id": Cat(TERRITORY_IDS, self.acc_terr),
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
            "persona": Cat(PERSONAS, rng.choice(len(PERSONAS), nc, p=[0.15, 0.3, 0.2, 0.25, 0.1])),
            "created_at": ccreated,
            "updated_at": cupd,
            "is_deleted": np.zeros(nc, bool),
        }
        self.write_versioned(
            "crm.contacts",
            ccols,
            ccreated,
            old_share=0.1,
            old_values=lambda idx: {"title": TITLES.index("CEO")},
            del_share=0.005,
        )

    def contact_of(self, acc: np.ndarray) -> np.ndarray:
        return self.pick_in_range(self.con_first[acc], self.con_count[acc])

    def opportunities(self) -> None:
        """Deals and their stage histories, in blocks of deals (a history has about 5 rows a deal). Kept whole
        for later stages: what the deals' rows, orders and touches need of each deal, and when deals entered
        the proposal stage inside the window."""
        stages = opportunity_stages()
        if tuple(stages["ordered"]) + tuple(stages["closed"]) != vocab(Stage):
            raise ValueError(f"generate: the contract's opportunity stages {stages} are not the generator's Stage")
        no = max(300, round(100_000 * self.flow))
        self.opp = {name: np.empty(no, dtype) for name, dtype in DEAL_STATE.items()}
        self.opp["n"] = no
        self.opp["lead"][:] = -1
        self.n_history = 0
        proposals: list[tuple[np.ndarray, np.ndarray]] = []
        for lo, hi in self.blocks(no, Stream.OPPORTUNITIES, size=max(self.block_rows // N_OPEN_STAGES, 1)):
            proposals.append(self._deal_block(lo, hi))
        self.proposal_opp = np.concatenate([p[0] for p in proposals])
        self.proposal_t = np.concatenate([p[1] for p in proposals])

    def _deal_block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Deals lo..hi-1: their state in self.opp, their stage history written; returns the deals and times
        of the history's proposal rows inside the window."""
        rng = self.rng
        no = hi - lo
        otype = rng.choice(len(OppType), no, p=[0.6, 0.25, 0.15])
        # a quarter of lead-in before the window, so the first months already have a pipeline
        owner, created = self.in_active(self.reps, no, lead_in=90 * DAY)
        created = self.biz(created)
        created = np.clip(created, self.T0 - 90 * DAY, self.T1 - DAY)
        prospects = np.flatnonzero(~self.acc_customer)
        customers = np.flatnonzero(self.acc_customer)
        acc = np.where(
            otype == OppType.NEW_BUSINESS,
            prospects[rng.integers(0, len(prospects), no)],
            customers[rng.integers(0, len(customers), no)],
        )
        # an account exists before its first opportunity
        np.minimum.at(self.acc_created, acc, created - self.secs(no, DAY, 30 * DAY))
        seg = self.acc_seg[acc]
        usd = np.array([8_000, 30_000, 120_000])[seg] * np.exp(rng.normal(0, 0.5, no))  # by Segment
        usd *= np.array([1.0, 0.5, 0.8])[otype]  # by OppType
        cur = self.acc_cur[acc]
        amount = np.round(usd * LOCAL_PER_USD[cur], -1)
        cycle = np.array([25, 50, 90])[seg] * np.exp(rng.normal(0, 0.45, no))  # days by Segment
        cycle *= np.where(otype == OppType.RENEWAL, 0.6, 1.0)
        cycle = np.maximum(cycle, 3) * DAY
        close_t = created + cycle.astype(np.int64)
        closed = close_t < self.T1 - HOUR
        p_win = np.array([0.22, 0.35, 0.6])[otype] * self.rep_skill[owner]  # by OppType
        won = closed & (rng.random(no) < p_win)
        lost = closed & ~won
        # highest open stage reached
        k = np.full(no, Stage.NEGOTIATION)
        k[lost] = rng.choice(N_OPEN_STAGES, int(lost.sum()), p=[0.05, 0.07, 0.13, 0.35, 0.40])
        is_open = ~closed
        elapsed = (self.T1 - 1 - created) / cycle
        k[is_open] = np.clip((elapsed[is_open] * N_OPEN_STAGES).astype(int), 0, Stage.NEGOTIATION)
        # some deals skip one required stage (qualification, discovery or proposal) below their highest
        skip = np.full(no, -1)
        can = (k >= Stage.DISCOVERY) & (rng.random(no) < self.rep_sloppy[owner])
        skip[can] = Stage.QUALIFICATION + (rng.random(int(can.sum())) * np.minimum(3, k[can] - 1)).astype(int)
        # re-opened: closed (lost or won) then back to an open stage, closed_at cleared
        reopen = closed & (close_t < self.T1 - 20 * DAY) & (rng.random(no) < 0.02)
        reopen_t = close_t + self.secs(no, 3 * DAY, 15 * DAY)
        reopen_stage = np.where(rng.random(no) < 0.6, Stage.NEGOTIATION, Stage.PROPOSAL)
        amount0 = np.round(amount * self.u(no, 0.7, 1.3), -1)
        span = np.where(closed, close_t - created, cycle.astype(np.int64))
        exp_close = np.where(closed, close_t, created + cycle.astype(np.int64))
        exp_close = np.where(reopen, reopen_t + 30 * DAY, exp_close)
        # open deals whose expected close passed slip into the future
        slip = ~closed & (exp_close < self.T1)
        exp_close[slip] = self.T1 + self.secs(int(slip.sum()), 5 * DAY, 60 * DAY)
        deal = dict(
            created=created,
            k=k,
            skip=skip,
            closed=closed,
            won=won,
            span=span,
            amount=amount,
            amount0=amount0,
            close_t=close_t,
            reopen=reopen,
            reopen_t=reopen_t,
            reopen_stage=reopen_stage,
            exp_close=exp_close,
            owner=owner,
        )
        hopp, hst, ht = self._history(deal, lo)
        last_hist_t = ht[np.r_[np.flatnonzero(np.diff(hopp)), len(hopp) - 1]]
        cur_stage = np.where(won, Stage.CLOSED_WON, np.where(lost, Stage.CLOSED_LOST, k))
        is_closed = closed & ~reopen
        last_change = np.where(reopen, reopen_t, np.where(closed, close_t, last_hist_t))
        state = dict(
            type=otype,
            owner=owner,
            created=created,
            acc=acc,
            amount=amount,
            amount0=amount0,
            cur=cur,
            won=won & ~reopen,
            closed=is_closed,
            close_t=close_t,
            end_t=np.where(closed, close_t, self.T1 - 1),
            stage=np.where(reopen, reopen_stage, cur_stage),
            exp_close=exp_close,
            lost_reason=np.where(lost & ~reopen, rng.integers(0, len(LOST_REASONS), no), -1),
            updated=self.clip_t(last_change + self.secs(no, 60, HOUR)),
        )
        for name, values in state.items():
            self.opp[name][lo:hi] = values
        proposal = (hst == Stage.PROPOSAL) & (ht >= self.T0)
        return lo + hopp[proposal], ht[proposal]

    def _history(self, deal: dict[str, np.ndarray], first_deal: int) -> tuple[np.ndarray, ...]:
        """Write the stage history of a block of deals (numbered from first_deal), ordered by deal and time: a
        row per open stage reached, then the close row, then the re-open row. Returns the block's deal
        index, stage and time of each row."""
        d = deal
        deals = np.arange(len(d["k"]))
        opp5 = np.repeat(deals, N_OPEN_STAGES)
        st5 = np.tile(np.arange(N_OPEN_STAGES), len(deals))
        keep = (st5 <= d["k"][opp5]) & (st5 != d["skip"][opp5])
        hopp = opp5[keep]
        hst = st5[keep]
        closed = d["closed"]
        stage_share = hst / np.where(closed[hopp], d["k"][hopp] + 1, N_OPEN_STAGES)
        ht = d["created"][hopp] + (d["span"][hopp] * stage_share).astype(np.int64)
        ht = np.where(hst == Stage.PROSPECTING, d["created"][hopp], ht + self.secs(len(hopp), 0, HOUR))
        hamt = np.where(hst >= Stage.PROPOSAL, d["amount"][hopp], d["amount0"][hopp])
        c_idx = np.flatnonzero(closed)
        r_idx = np.flatnonzero(d["reopen"])
        close_stage = np.where(d["won"][c_idx], Stage.CLOSED_WON, Stage.CLOSED_LOST)
        hopp = np.concatenate([hopp, c_idx, r_idx])
        hst = np.concatenate([hst, close_stage, d["reopen_stage"][r_idx]])
        ht = np.concatenate([ht, d["close_t"][c_idx], d["reopen_t"][r_idx]])
        hamt = np.concatenate([hamt, d["amount"][c_idx], d["amount"][r_idx]])
        order = np.lexsort((ht, hopp))
        hopp, hst, ht, hamt = hopp[order], hst[order], ht[order], hamt[order]
        early = np.where(hst < Stage.PROPOSAL, 15 * DAY, 0)
        hclose = np.where(hst >= Stage.CLOSED_WON, d["close_t"][hopp], d["exp_close"][hopp] + early)
        nh = len(hopp)
        self.write_events(
            "crm.opportunity_history",
            {
                "history_id": Ids("oph_", self.n_history + np.arange(nh)),
                "opportunity_id": Ids("opp_", first_deal + hopp),
                "stage_name": Cat(vocab(Stage), hst),
                "amount": hamt,
                "close_date": hclose // DAY * DAY,
                "changed_at": ht,
                "changed_by_user_id": Ids("usr_", d["owner"][hopp]),
            },
            ht,
            offset_share=0.02,
        )
        self.n_history += nh
        return hopp, hst, ht

    def write_opportunities(self) -> None:
        """The deals' rows and line items, in blocks of deals (lead ids are known once leads are made). Kept
        for orders: the line items of won deals."""
        o = self.opp
        self.n_line_items = 0
        won_items = []
        for lo, hi in self.blocks(o["n"], Stream.OPPORTUNITY_ROWS):
            won_items.append(self._opportunity_rows(lo, hi))
        self.li = {name: np.concatenate([w[name] for w in won_items]) for name in won_items[0]}

    def _opportunity_rows(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        o = {name: values[lo:hi] for name, values in self.opp.items() if name != "n"}
        no = hi - lo
        ids = np.arange(lo, hi)
        cols = {
            "opportunity_id": Ids("opp_", ids),
            "account_id": Ids("acc_", o["acc"]),
            "owner_user_id": Ids("usr_", o["owner"]),
            "lead_id": Ids("lead_", o["lead"]),
            "opportunity_name": Sql("'Deal ' || _oid || ' - ' || opportunity_type"),
            "_oid": ids,
            "opportunity_type": Cat(vocab(OppType), o["type"]),
            "stage_name": Cat(vocab(Stage), o["stage"]),
            "amount": o["amount"],
            "currency_code": Cat(CURRENCIES, o["cur"]),
            "close_date": o["exp_close"] // DAY * DAY,
            "is_closed": o["closed"],
            "is_won": o["won"],
            "closed_at": np.where(o["closed"], o["close_t"], NAT),
            "lost_reason": Cat(LOST_REASONS, o["lost_reason"]),
            "created_at": o["created"],
            "updated_at": o["updated"],
            "is_deleted": np.zeros(no, bool),
        }
        # the earlier extract saw the deal as it was created: prospecting, first amount, open
        self.write_versioned(
            "crm.opportunities",
            cols,
            o["created"],
            old_share=0.15,
            old_values=lambda idx: {
                "stage_name": Stage.PROSPECTING,
                "amount": o["amount0"][idx],
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
        list_price = LIST_PRICES[prod]
        raw = qty * list_price * (1 - disc / 100)
        per_opp = np.bincount(lopp, raw, no)
        target = o["amount"] * self.u(no, 0.99, 1.01)
        price = np.round(list_price * (target / per_opp)[lopp], 2)
        self.write_versioned(
            "crm.opportunity_line_items",
            {
                "line_item_id": Ids("oli_", self.n_line_items + np.arange(m)),
                "opportunity_id": Ids("opp_", lo + lopp),
                "product_id": Ids("prd_", prod),
                "quantity": qty,
                "unit_price": price,
                "discount_pct": np.where(disc > 0, disc, np.nan),
                "updated_at": o["updated"][lopp],
                "is_deleted": np.zeros(m, bool),
            },
            o["created"][lopp],
        )
        self.n_line_items += m
        won = o["won"][lopp]
        return dict(opp=lo + lopp[won], prod=prod[won], qty=qty[won], disc=disc[won], price=price[won])

    def leads(self) -> None:
        """Leads in blocks of ids: converted leads first (ids 0..nconv-1, one per converted deal), then the
        rest. Kept whole for later stages: each lead's creation time, owner and campaign."""
        rng = self.rng
        o = self.opp
        conv_opp = np.flatnonzero((o["type"] == OppType.NEW_BUSINESS) & (rng.random(o["n"]) < 0.4))
        nconv = len(conv_opp)
        nl = max(800, round(200_000 * self.flow), nconv * 5)
        o["lead"][conv_opp] = np.arange(nconv)
        self.n_leads = nl
        self.lead_created = np.empty(nl, np.int64)
        self.lead_owner = np.empty(nl, np.int32)
        self._lead_campaign = np.empty(nl, np.int32)
        for lo, hi in self.blocks(nl, Stream.LEADS):
            self._lead_block(lo, hi, conv_opp[lo:hi])
        self.write_accounts()
        self.write_opportunities()

    def _lead_block(self, first: int, end: int, conv_opp: np.ndarray) -> None:
        """Write leads first..end-1: the first len(conv_opp) of them converted into those deals."""
        rng = self.rng
        o = self.opp
        nl = end - first
        nconv = len(conv_opp)
        nfree = nl - nconv
        src = rng.choice(len(LeadSource), nl, p=LEAD_SOURCE_P)
        camp = self.campaign_for(src)
        created = np.empty(nl, np.int64)
        conv_at = o["created"][conv_opp]
        created[:nconv] = conv_at - (np.exp(rng.normal(np.log(15), 0.6, nconv)) * DAY).astype(np.int64)
        # other leads arrive inside their campaign's run, or anywhere in the window
        free_camp = camp[nconv:]
        c_from = np.where(free_camp >= 0, self.camp_from[np.maximum(free_camp, 0)], self.T0)
        c_to = np.where(free_camp >= 0, self.camp_to[np.maximum(free_camp, 0)], self.T1 - HOUR)
        created[nconv:] = c_from + (rng.random(nfree) * (c_to - c_from)).astype(np.int64)
        owner = np.empty(nl, np.int64)
        owner[:nconv] = np.where(
            rng.random(nconv) < 0.6, self.sdrs[rng.integers(0, len(self.sdrs), nconv)], o["owner"][conv_opp]
        )
        owner[nconv:], _ = self.in_active(self.sellers, nfree)
        status = np.full(nl, LeadStatus.CONVERTED)
        # the others: new, working, nurturing or disqualified
        status[nconv:] = rng.choice(LeadStatus.CONVERTED.value, nfree, p=[0.15, 0.25, 0.3, 0.3])
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
        upd = np.maximum.reduce([created, mql, sql, conv]) + self.secs(nl, 60, 2 * HOUR)
        upd = np.maximum(self.clip_t(upd), created)
        self.lead_created[first:end], self.lead_owner[first:end], self._lead_campaign[first:end] = created, owner, camp
        ids = np.arange(first, end)
        cols = {
            "lead_id": Ids("lead_", ids),
            "created_at": created,
            "source_channel": Cat(vocab(LeadSource), src),
            "campaign_id": Ids("cmp_", camp),
            "owner_user_id": Ids("usr_", owner),
            "email": Sql("'lead' || _lid || '@example.org'"),
            "_lid": ids,
            "company_name": Sql("w1 || ' ' || w2"),
            "w1": Cat(NAME_WORDS, rng.integers(0, len(NAME_WORDS), nl)),
            "w2": Cat(NAME_WORDS2, rng.integers(0, len(NAME_WORDS2), nl)),
            "persona": Cat(PERSONAS, rng.choice(len(PERSONAS), nl, p=[0.1, 0.3, 0.2, 0.3, 0.1])),
            "status": Cat(vocab(LeadStatus), status),
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
                "status": LeadStatus.NEW,
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
        customers = np.flatnonzero(self.acc_customer & (self.acc_seg == Segment.SMB))
        ns = max(20, round(nw * 0.15))
        s_acc = np.concatenate([customers[rng.integers(0, len(customers), ns)], base])
        s_date = np.concatenate([(self.T0 + self.secs(ns, 0, self.T1 - self.T0 - DAY)) // DAY * DAY, b_start])
        s_prod = np.concatenate([rng.choice(SELF_SERVE_PRODUCTS, ns), plan_product(self.acc_seg[base])])
        s_qty = np.concatenate([rng.integers(1, 5, ns).astype(float), np.ones(nb)])
        s_price = np.concatenate(
            [
                LIST_PRICES[s_prod[:ns]] * LOCAL_PER_USD[self.acc_cur[s_acc[:ns]]],
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
                "status": Cat(vocab(OrderStatus), cancelled.astype(np.int64)),  # the flag is the code
                "updated_at": upd,
            },
            date,
            old_share=0.5,
            old_values=lambda idx: {"status": OrderStatus.BOOKED},
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
        not_renewal = o["type"][won] != OppType.RENEWAL
        wnew = won[not_renewal]
        nn = len(wnew)
        n_start = odate[not_renewal]
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
                "product_id": Ids("prd_", plan_product(self.acc_seg[s_acc2])),
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
