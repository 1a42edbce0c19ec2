"""CRM activities: calls, meetings (booked from connected calls and replied e-mails), proposals, demos, tasks."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.generate.common import HOUR, ActivityType, GeneratorBase, Stage, vocab
from salesmart.generate.writer import DAY, Cat, Ids, IntN


class CallOutcome(IntEnum):
    CONNECTED = 0
    NO_ANSWER = 1
    VOICEMAIL = 2
    WRONG_NUMBER = 3


class MeetingStatus(IntEnum):
    SCHEDULED = 0
    HELD = 1
    NO_SHOW = 2
    CANCELLED = 3


class ActivityTables(GeneratorBase):
    """crm.activities."""

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
        outcome = rng.choice(len(CallOutcome), nc, p=[0.3, 0.42, 0.23, 0.05])
        dur = np.select(
            [outcome == CallOutcome.CONNECTED, outcome == CallOutcome.NO_ANSWER, outcome == CallOutcome.VOICEMAIL],
            [rng.integers(60, 1500, nc), rng.integers(0, 30, nc), rng.integers(20, 90, nc)],
            rng.integers(5, 30, nc),
        )
        # meetings booked after connected calls and replied emails, within 14 days, same lead/contact
        mk = np.flatnonzero((outcome == CallOutcome.CONNECTED) & (rng.random(nc) < 0.3))
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
        past = [MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED]
        m_status = np.where(future, MeetingStatus.SCHEDULED, rng.choice(past, nm, p=[0.78, 0.1, 0.12]))
        # proposals: when the deal entered the proposal stage; demos and tasks on deals
        hp = np.flatnonzero((self.hist_stage == Stage.PROPOSAL) & (self.hist_t >= self.T0))
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
                np.full(nc, ActivityType.CALL),
                np.full(nm, ActivityType.MEETING),
                np.full(len(p_opp), ActivityType.PROPOSAL),
                np.full(n_demo, ActivityType.DEMO),
                np.full(n_task, ActivityType.TASK),
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
        duration[atype == ActivityType.DEMO] = 3600
        call_outcome = np.concatenate([outcome, np.full(nm + nx, -1)])
        meeting_status = np.concatenate([np.full(nc, -1), m_status, np.full(nx, -1)])
        upd = np.where(
            atype == ActivityType.MEETING,
            np.where(meeting_status == MeetingStatus.SCHEDULED, created, at + HOUR),
            created + self.secs(len(at), 0, HOUR),
        )
        upd = np.maximum(self.clip_t(upd), created)
        n = len(at)
        self.act = dict(type=atype, owner=owner, at=at)
        self.write_versioned(
            "crm.activities",
            {
                "activity_id": Ids("act_", np.arange(n)),
                "activity_type": Cat(vocab(ActivityType), atype),
                "owner_user_id": Ids("usr_", owner),
                "lead_id": Ids("lead_", lead),
                "contact_id": Ids("con_", con),
                "account_id": Ids("acc_", acc),
                "opportunity_id": Ids("opp_", opp),
                "activity_at": at,
                "duration_seconds": IntN(duration),
                "call_outcome": Cat(vocab(CallOutcome), call_outcome),
                "meeting_status": Cat(vocab(MeetingStatus), meeting_status),
                "created_at": created,
                "updated_at": upd,
                "is_deleted": np.zeros(n, bool),
            },
            created,
            # a meeting's first extract shows it as scheduled
            old_share=0.05,
            old_values=lambda idx: {
                "meeting_status": np.where(
                    atype[idx] == ActivityType.MEETING, MeetingStatus.SCHEDULED, meeting_status[idx]
                )
            },
            del_share=0.003,
            offset_share=0.02,
        )
