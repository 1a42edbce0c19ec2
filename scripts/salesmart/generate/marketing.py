"""Marketing system: campaigns, daily ad performance, costs, social engagements."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.generate.common import CURRENCIES, LOCAL_PER_USD, Channel, Currency, GeneratorBase, LeadSource, vocab
from salesmart.generate.writer import DAY, NAT, Cat, Ids, Sql

NETWORKS = ("linkedin", "x", "facebook", "instagram", "youtube")
COST_CATEGORIES = ("salaries", "commissions", "tools", "travel", "agency", "events", "content")
# The lead sources that come from a campaign, and the channel of those campaigns.
CAMPAIGN_CHANNEL_OF_SOURCE = {
    LeadSource.PAID_SEARCH: Channel.PAID_SEARCH,
    LeadSource.PAID_SOCIAL: Channel.PAID_SOCIAL,
    LeadSource.EMAIL: Channel.EMAIL,
    LeadSource.EVENT: Channel.EVENT,
}


class CostType(IntEnum):
    SALES = 0
    MARKETING = 1


class MarketingTables(GeneratorBase):
    """Campaigns first (leads point to them), the other marketing tables after the CRM."""

    def campaigns(self) -> None:
        rng = self.rng
        nc = max(15, round(60 * self.scale))
        # every channel once, then at random
        nch = len(Channel)
        channel = np.concatenate([np.arange(nch), rng.choice(nch, nc - nch, p=[0.3, 0.25, 0.2, 0.15, 0.1])])
        cstart = (self.T0 + self.secs(nc, -60 * DAY, self.T1 - self.T0 - 45 * DAY)) // DAY * DAY
        cend = cstart + self.secs(nc, 45 * DAY, 150 * DAY) // DAY * DAY
        always_on = rng.random(nc) < 0.2
        cend_eff = np.where(always_on, self.T1, np.minimum(cend + DAY, self.T1))
        self.camp_channel, self.camp_from, self.camp_to = channel, np.maximum(cstart, self.T0), cend_eff
        self.camp_from = np.minimum(self.camp_from, self.T1 - 30 * DAY)
        self.n_camp = nc
        self.camp_currency = np.where(rng.random(nc) < 0.25, Currency.EUR, Currency.USD)
        cols = {
            "campaign_id": Ids("cmp_", np.arange(nc)),
            "campaign_name": Sql("'Campaign ' || _i || ' - ' || channel"),
            "_i": np.arange(nc),
            "channel": Cat(vocab(Channel), channel),
            "start_date": cstart,
            "end_date": np.where(always_on, NAT, cend),
            "updated_at": cstart - 5 * DAY,
        }
        self.write_versioned("marketing.campaigns", cols, cstart - 5 * DAY)

    def campaign_for(self, source: np.ndarray) -> np.ndarray:
        """A campaign of the lead source's channel (paid_search, paid_social, email, event), else -1."""
        out = np.full(len(source), -1)
        for s, ch in CAMPAIGN_CHANNEL_OF_SOURCE.items():
            rows = np.flatnonzero(source == s)
            camps = np.flatnonzero(self.camp_channel == ch)
            out[rows] = camps[self.rng.integers(0, len(camps), len(rows))]
        return out

    def marketing(self) -> None:
        rng = self.rng
        # ad performance: daily rows of paid campaigns, clicks tied to the leads they produced
        paid = np.flatnonzero(np.isin(self.camp_channel, (Channel.PAID_SEARCH, Channel.PAID_SOCIAL)))
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
                rows.append((last, CostType.SALES, cat, -1, val, Currency.USD))
                rows.append((last, CostType.SALES, cat, -1, val * 0.25, Currency.EUR))
            for cat, base in mkt_cat.items():
                if cat in ("events", "content"):
                    ch = Channel.EVENT if cat == "events" else Channel.CONTENT
                    live = np.flatnonzero(
                        (self.camp_channel == ch) & (self.camp_from < ms + 31 * DAY) & (self.camp_to > ms)
                    )
                    for c in live:
                        rows.append(
                            (
                                ms + 14 * DAY,
                                CostType.MARKETING,
                                cat,
                                int(c),
                                self.bookings_usd.mean() * 0.01,
                                int(self.camp_currency[c]),
                            )
                        )
                else:
                    rows.append((last, CostType.MARKETING, cat, -1, base, Currency.USD))
        nrow = len(rows)
        arr = list(zip(*rows, strict=True))
        amounts = np.array(arr[4]) * self.u(nrow, 0.9, 1.1) * LOCAL_PER_USD[np.array(arr[5])]
        cdate = np.array(arr[0], np.int64)
        self.w.write(
            "marketing.costs",
            {
                "cost_id": Ids("cst_", np.arange(nrow)),
                "cost_date": cdate,
                "cost_type": Cat(vocab(CostType), np.array(arr[1])),
                "category": Cat(COST_CATEGORIES, np.array([COST_CATEGORIES.index(c) for c in arr[2]])),
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
                "network": Cat(NETWORKS, rng.choice(len(NETWORKS), ns, p=[0.6, 0.2, 0.1, 0.05, 0.05])),
                "engagement_type": Cat(
                    ("like", "share", "comment", "mention"), rng.choice(4, ns, p=[0.6, 0.15, 0.15, 0.1])
                ),
                "occurred_at": t,
            },
            t,
        )
