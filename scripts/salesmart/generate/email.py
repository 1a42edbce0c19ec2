"""E-mail system: messages (first touches, sales follow-ups, marketing sends) and their events."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.generate.common import HOUR, Channel, GeneratorBase, Stream, vocab
from salesmart.generate.writer import DAY, Cat, Ids, IntN, Sql


class EmailEvent(IntEnum):
    DELIVERED = 0
    BOUNCE = 1
    OPEN = 2
    CLICK = 3
    REPLY = 4
    UNSUBSCRIBE = 5


class EmailTables(GeneratorBase):
    """email.messages and email.events, generated and written block_rows messages at a time."""

    def emails(self) -> None:
        rng = self.rng
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
        n_mkt = max(0, nmsg - nft - n_sales)
        # message ids by kind: first touches, follow-ups of leads, follow-ups of deals, marketing sends
        kind_start = np.cumsum([0, nft, n_lead_f, n_sales - n_lead_f, n_mkt])
        first_event = 0
        meets = []
        for lo, hi in self.blocks(int(kind_start[-1]), Stream.EMAILS):
            n_ft, n_lf, n_of, n_mk = np.clip(kind_start[1:], lo, hi) - np.clip(kind_start[:-1], lo, hi)
            n_events, meet = self._email_block(
                lo, ft_lead[lo : lo + n_ft], ft_t[lo : lo + n_ft], n_lf, n_of, n_mk, first_event
            )
            first_event += n_events
            meets.append(meet)
        # replies that lead to a meeting (credited to the email)
        self.email_meet = {name: np.concatenate([m[name] for m in meets]) for name in meets[0]}

    def _email_block(
        self,
        first_id: int,
        ft_lead: np.ndarray,
        ft_t: np.ndarray,
        n_lead_f: int,
        n_opp_f: int,
        n_mkt: int,
        first_event: int,
    ) -> tuple[int, dict[str, np.ndarray]]:
        """Messages first_id.. (first touches, follow-ups, marketing sends, in that order) and their events,
        event ids from first_event; returns the number of event ids and the replies that lead to a meeting."""
        rng = self.rng
        o = self.opp
        nft = len(ft_lead)
        n_sales = n_lead_f + n_opp_f
        fl = rng.integers(0, self.n_leads, n_lead_f)
        fl_t = self.lead_time(fl, 40 * DAY)
        fo, fo_t = self.opp_pick(n_opp_f)
        mc = np.flatnonzero(self.camp_channel == Channel.EMAIL)
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
                "message_id": Ids("msg_", first_id + np.arange(nm)),
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
        etype = np.where(pos == 0, np.where(bounce[emsg], EmailEvent.BOUNCE, EmailEvent.DELIVERED), EmailEvent.OPEN)
        rest = pos - no_  # 1.. after opens
        extra_kind = np.full(len(emsg), -1)
        c1 = click[emsg]
        r1 = reply[emsg]
        reply_else_unsub = np.where(r1, EmailEvent.REPLY, EmailEvent.UNSUBSCRIBE)
        extra_kind = np.where(rest == 1, np.where(c1, EmailEvent.CLICK, reply_else_unsub), extra_kind)
        extra_kind = np.where(rest == 2, np.where(c1 & r1, EmailEvent.REPLY, EmailEvent.UNSUBSCRIBE), extra_kind)
        extra_kind = np.where(rest == 3, EmailEvent.UNSUBSCRIBE, extra_kind)
        etype = np.where((pos > 0) & (rest >= 1), extra_kind, etype)
        delay = np.where(
            etype <= EmailEvent.BOUNCE,  # delivery or bounce: within minutes
            rng.integers(1, 300, len(emsg)),
            (np.exp(rng.normal(np.log(3), 1.2, len(emsg))) * HOUR).astype(np.int64) + pos * 60,
        )
        eat = sent[emsg] + delay
        ok = eat < self.T1
        emsg, etype, eat = emsg[ok], etype[ok], eat[ok]
        ne = len(emsg)
        dup = np.flatnonzero(rng.random(ne) < 0.004)
        eid = first_event + np.concatenate([np.arange(ne), dup])
        emsg2 = first_id + np.concatenate([emsg, emsg[dup]])
        etype2 = np.concatenate([etype, etype[dup]])
        eat2 = np.concatenate([eat, eat[dup]])
        fidx = np.concatenate([self.w.file_index(eat), np.minimum(self.w.file_index(eat[dup]) + 1, self.months)])
        self.w.write(
            "email.events",
            {
                "event_id": Ids("eve_", eid),
                "message_id": Ids("msg_", emsg2),
                "event_type": Cat(vocab(EmailEvent), etype2),
                "event_at": eat2,
            },
            fidx,
            fmt="parquet",
        )
        rep_msg = emsg[(etype == EmailEvent.REPLY)]
        rep_msg = rep_msg[rng.random(len(rep_msg)) < 0.35]
        # kept until the activities: ids as int32, as they add up with scale
        meet = dict(
            owner=sender[rep_msg].astype(np.int32),
            lead=lead[rep_msg].astype(np.int32),
            contact=contact[rep_msg].astype(np.int32),
            acc=msg_acc[rep_msg].astype(np.int32),
            opp=msg_opp[rep_msg].astype(np.int32),
            t=sent[rep_msg],
        )
        return ne, meet
