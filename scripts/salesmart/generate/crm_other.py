"""The other CRM tables: territories and products (reference data), NPS responses, support tickets, CRM
usage events, quotas, targets and fx rates."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.contract import load_metric_catalog
from salesmart.generate.common import (
    CURRENCIES,
    HOUR,
    LIST_PRICES,
    PRODUCTS,
    TERRITORIES,
    TERRITORY_IDS,
    USD_PER_UNIT,
    Currency,
    GeneratorBase,
    Role,
    Stream,
    vocab,
)
from salesmart.generate.writer import DAY, NAT, Cat, Ids

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
PRODUCT_FAMILIES = tuple(sorted({p[1] for p in PRODUCTS}))


class UserEvent(IntEnum):
    LOGIN = 0
    RECORD_CREATE = 1
    RECORD_UPDATE = 2


class PeriodGrain(IntEnum):
    MONTH = 0
    QUARTER = 1
    YEAR = 2


class OtherCrmTables(GeneratorBase):
    """Reference data, customer voice, CRM usage and plans."""

    def crm_misc(self) -> None:
        rng = self.rng
        # territories and products (reference data)
        nt = len(TERRITORIES)
        self.write_versioned(
            "crm.territories",
            {
                "territory_id": Cat(TERRITORY_IDS, np.arange(nt)),
                "territory_name": Cat(tuple(t[1] for t in TERRITORIES), np.arange(nt)),
                "region": Cat(REGIONS, np.array([REGIONS.index(t[2]) for t in TERRITORIES])),
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
                "product_family": Cat(PRODUCT_FAMILIES, np.array([PRODUCT_FAMILIES.index(p[1]) for p in PRODUCTS])),
                "list_price": LIST_PRICES,
                "currency_code": Cat(CURRENCIES, np.full(npd, Currency.USD)),
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
        # CRM usage: logins on most weekdays of a user's active time, plus record edits; in blocks of users
        users = np.flatnonzero(self.role != Role.OTHER)
        # some people rarely open the CRM, so adoption is not trivially 100%
        habit = self.u(self.n_users, 0.3, 0.97)
        self.n_user_events = 0
        per_block = max(1, self.block_rows // len(self.workdays))
        for lo, hi in self.blocks(len(users), Stream.USER_EVENTS, size=per_block):
            self._user_events(users[lo:hi], habit)
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

    def _user_events(self, users: np.ndarray, habit: np.ndarray) -> None:
        """Write the CRM usage events of `users` (ids run on from self.n_user_events)."""
        rng = self.rng
        wd = self.workdays * DAY
        uu = np.repeat(users, len(wd))
        dd = np.tile(wd, len(users))
        active = (dd >= self.act_from[uu] // DAY * DAY) & (dd < self.act_to[uu])
        login = active & (rng.random(len(uu)) < habit[uu])
        edits = np.where(login, rng.poisson(2.5, len(uu)), 0)
        per = login + edits
        eu = np.repeat(uu, per)
        ed = np.repeat(dd, per)
        pos = np.arange(len(eu)) - np.repeat(np.cumsum(per) - per, per)
        edit = rng.choice([UserEvent.RECORD_CREATE, UserEvent.RECORD_UPDATE], len(eu), p=[0.3, 0.7])
        etype = np.where(pos == 0, UserEvent.LOGIN, edit)
        et = ed + 7 * HOUR + pos * 1800 + self.secs(len(eu), 0, 1800)
        ne = len(eu)
        self.write_events(
            "crm.user_events",
            {
                "event_id": Ids("uev_", self.n_user_events + np.arange(ne)),
                "user_id": Ids("usr_", eu),
                "event_type": Cat(vocab(UserEvent), etype),
                "event_at": et,
            },
            et,
            offset_share=0.02,
        )
        self.n_user_events += ne

    def targets(self, reps: np.ndarray) -> None:
        catalog = load_metric_catalog()["metrics"]
        m = self.months
        calls_pm = self.n_calls / m
        meet_pm = self.n_meetings / m
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
            rows_grain.append(np.full(m, PeriodGrain.MONTH))
            rows_start.append(month_starts)
            rows_value.append(np.full(m, value) * self.u(m, 0.95, 1.05))
        months_of = (month_starts // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(int) % 12
        quarters = month_starts[months_of % 3 == 0]
        for metric in ("bookings", "revenue"):
            rows_metric.append(np.full(len(quarters), metric, object))
            rows_user.append(np.full(len(quarters), -1))
            rows_grain.append(np.full(len(quarters), PeriodGrain.QUARTER))
            rows_start.append(quarters)
            rows_value.append(np.full(len(quarters), company[metric] * 3))
        years = month_starts[months_of == 0]
        rows_metric.append(np.full(len(years), "revenue", object))
        rows_user.append(np.full(len(years), -1))
        rows_grain.append(np.full(len(years), PeriodGrain.YEAR))
        rows_start.append(years)
        rows_value.append(np.full(len(years), company["revenue"] * 12))
        for metric, value in per_rep.items():
            k = len(reps) * m
            rows_metric.append(np.full(k, metric, object))
            rows_user.append(np.repeat(reps, m))
            rows_grain.append(np.full(k, PeriodGrain.MONTH))
            rows_start.append(np.tile(month_starts, len(reps)))
            rows_value.append(value * self.u(k, 0.8, 1.3))
        metric = np.concatenate(rows_metric)
        nt = len(metric)
        metric_ids = tuple(sorted(set(metric)))
        codes = np.searchsorted(np.array(metric_ids, dtype=object), metric)
        start = np.concatenate(rows_start)
        upd = start - 3 * DAY
        self.write_versioned(
            "crm.targets",
            {
                "target_id": Ids("tgt_", np.arange(nt)),
                "metric_id": Cat(metric_ids, codes),
                "user_id": Ids("usr_", np.concatenate(rows_user)),
                "period_grain": Cat(vocab(PeriodGrain), np.concatenate(rows_grain)),
                "period_start": start,
                "target_value": np.round(np.concatenate(rows_value), 2),
                "updated_at": upd,
            },
            upd - DAY,
        )

    def fx(self) -> None:
        """Daily rates for every currency from before the oldest subscription to the window's end."""
        rng = self.rng
        d0 = (self.T0 - 800 * DAY) // DAY
        d1 = self.T1 // DAY
        days = np.arange(d0, d1)
        nd = len(days)
        rates = [np.ones(nd)]
        for ccy in (Currency.EUR, Currency.GBP):
            # a random walk around the base rate
            walk = np.exp(np.cumsum(rng.normal(0, 0.004, nd)))
            rates.append(np.round(USD_PER_UNIT[ccy] * walk / walk.mean(), 6))
        rate = np.concatenate(rates)
        cc = np.repeat(np.arange(len(Currency)), nd)
        t = np.tile(days * DAY, len(Currency))
        self.w.write(
            "crm.fx_rates",
            {"rate_date": t, "currency_code": Cat(CURRENCIES, cc), "rate_to_reporting": rate},
            self.w.file_index(t),
        )
