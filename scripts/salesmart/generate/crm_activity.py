"""CRM activities: calls, meetings (booked from connected calls and replied e-mails), proposals, demos, tasks."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.generate.common import HOUR, ActivityType, GeneratorBase, Stream, vocab
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
    """crm.activities, generated and written in blocks: calls (with the meetings they book), the meetings
    booked by e-mail replies, then the activities on deals (proposals, demos, tasks). Activity ids number
    the rows in that order."""

    def activities(self) -> None:
        rng = self.rng
        na = max(8_000, round(3_000_000 * self.flow))
        # first-touch calls to leads
        ftl = np.flatnonzero(self.lead_touch_call)
        ft_t = self.lead_created[ftl] + (np.exp(rng.normal(np.log(20), 1.0, len(ftl))) * HOUR).astype(np.int64)
        keep = (ft_t < self.T1) & (ft_t >= self.T0)
        ftl, ft_t = ftl[keep], ft_t[keep]
        n_calls = max(round(na * 0.55) - len(ftl), 0)
        n_lc = round(n_calls * 0.45)
        self.n_activities = self.n_calls = self.n_meetings = 0
        # call numbers by kind: first touches, calls to leads, calls on deals
        kind_start = np.cumsum([0, len(ftl), n_lc, n_calls - n_lc])
        for lo, hi in self.blocks(int(kind_start[-1]), Stream.CALLS):
            n_ft, n_lead, n_opp = np.clip(kind_start[1:], lo, hi) - np.clip(kind_start[:-1], lo, hi)
            calls = self._calls(ftl[lo : lo + n_ft], ft_t[lo : lo + n_ft], n_lead, n_opp)
            # meetings booked after connected calls and replied e-mails, within 14 days, same lead/contact
            mk = np.flatnonzero(
                (calls["call_outcome"] == CallOutcome.CONNECTED) & (self.rng.random(len(calls["at"])) < 0.3)
            )
            meetings = self._meetings(*(calls[k][mk] for k in ("owner", "lead", "con", "acc", "opp", "at")))
            self._write_activities({k: np.concatenate([calls[k], meetings[k]]) for k in calls})
        em = self.email_meet
        for lo, hi in self.blocks(len(em["t"]), Stream.EMAIL_MEETINGS):
            self._write_activities(
                self._meetings(*(em[k][lo:hi] for k in ("owner", "lead", "contact", "acc", "opp", "t")))
            )
        # proposals: when the deal entered the proposal stage; demos and tasks on deals
        n_prop = len(self.proposal_opp)
        n_demo = round(na * 0.05)
        n_task = max(0, na - self.n_activities - n_prop - n_demo)
        kind_start = np.cumsum([0, n_prop, n_demo, n_task])
        for lo, hi in self.blocks(int(kind_start[-1]), Stream.DEAL_ACTIVITIES):
            n_p, n_demo_b, n_task_b = np.clip(kind_start[1:], lo, hi) - np.clip(kind_start[:-1], lo, hi)
            self._write_activities(
                self._deal_activities(
                    self.proposal_opp[lo : lo + n_p], self.proposal_t[lo : lo + n_p], n_demo_b, n_task_b
                )
            )

    def _calls(self, ftl: np.ndarray, ft_t: np.ndarray, n_lc: int, n_oc: int) -> dict[str, np.ndarray]:
        """First-touch calls to the leads `ftl` at `ft_t`, n_lc calls to leads, n_oc calls on deals."""
        rng = self.rng
        o = self.opp
        cl = rng.integers(0, self.n_leads, n_lc)
        cl_t = self.lead_time(cl, 30 * DAY)
        co, co_t = self.opp_pick(n_oc)
        no_one = np.full(len(ftl) + n_lc, -1)
        c_t = np.concatenate([ft_t, self.biz(cl_t), self.biz(co_t)])
        c_t = np.clip(c_t, self.T0, self.T1 - 3 * HOUR)
        nc = len(c_t)
        outcome = rng.choice(len(CallOutcome), nc, p=[0.3, 0.42, 0.23, 0.05])
        dur = np.select(
            [outcome == CallOutcome.CONNECTED, outcome == CallOutcome.NO_ANSWER, outcome == CallOutcome.VOICEMAIL],
            [rng.integers(60, 1500, nc), rng.integers(0, 30, nc), rng.integers(20, 90, nc)],
            rng.integers(5, 30, nc),
        )
        return dict(
            type=np.full(nc, ActivityType.CALL),
            owner=np.concatenate([self.lead_owner[ftl], self.lead_owner[cl], o["owner"][co]]),
            lead=np.concatenate([ftl, cl, np.full(n_oc, -1)]),
            con=np.concatenate([no_one, self.contact_of(o["acc"][co])]),
            acc=np.concatenate([no_one, o["acc"][co]]),
            opp=np.concatenate([no_one, co]),
            at=c_t,
            created=self.clip_t(c_t + self.secs(nc, 60, 2 * HOUR)),
            duration=dur,
            call_outcome=outcome,
            meeting_status=np.full(nc, -1),
        )

    def _meetings(
        self,
        owner: np.ndarray,
        lead: np.ndarray,
        con: np.ndarray,
        acc: np.ndarray,
        opp: np.ndarray,
        touch_t: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """The meetings booked within 12 days after touches (calls or replied e-mails) at `touch_t`; those
        booked after the window are left out."""
        rng = self.rng
        m_created = touch_t + self.secs(len(touch_t), HOUR, 12 * DAY)
        keep = m_created < self.T1 - HOUR
        owner, lead, con, acc, opp, m_created = (a[keep] for a in (owner, lead, con, acc, opp, m_created))
        nm = len(m_created)
        m_at = self.biz(m_created + self.secs(nm, DAY, 10 * DAY))
        future = m_at >= self.T1 - HOUR
        m_at = np.where(future, self.T1 - HOUR - self.secs(nm, 0, 2 * DAY), m_at)
        m_at = np.maximum(m_at, m_created + HOUR)
        future |= m_at >= self.T1 - 2 * DAY
        past = [MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED]
        return dict(
            type=np.full(nm, ActivityType.MEETING),
            owner=owner,
            lead=lead,
            con=con,
            acc=acc,
            opp=opp,
            at=m_at,
            created=m_created,
            duration=np.where(rng.random(nm) < 0.7, 1800, 3600),
            call_outcome=np.full(nm, -1),
            meeting_status=np.where(future, MeetingStatus.SCHEDULED, rng.choice(past, nm, p=[0.78, 0.1, 0.12])),
        )

    def _deal_activities(self, p_opp: np.ndarray, p_t: np.ndarray, n_demo: int, n_task: int) -> dict[str, np.ndarray]:
        """Proposals of the deals `p_opp` at `p_t`, then n_demo demos and n_task tasks on deals."""
        o = self.opp
        d_opp, d_t = self.opp_pick(n_demo)
        t_opp, t_t = self.opp_pick(n_task)
        x_opp = np.concatenate([p_opp, d_opp, t_opp])
        x_t = np.clip(np.concatenate([p_t, self.biz(d_t), self.biz(t_t)]), self.T0, self.T1 - 3 * HOUR)
        nx = len(x_opp)
        atype = np.concatenate(
            [
                np.full(len(p_opp), ActivityType.PROPOSAL),
                np.full(n_demo, ActivityType.DEMO),
                np.full(n_task, ActivityType.TASK),
            ]
        )
        return dict(
            type=atype,
            owner=o["owner"][x_opp],
            lead=np.full(nx, -1),
            con=self.contact_of(o["acc"][x_opp]),
            acc=o["acc"][x_opp],
            opp=x_opp,
            at=x_t,
            created=self.clip_t(x_t + self.secs(nx, 60, 2 * HOUR)),
            duration=np.where(atype == ActivityType.DEMO, 3600, -1),
            call_outcome=np.full(nx, -1),
            meeting_status=np.full(nx, -1),
        )

    def _write_activities(self, rows: dict[str, np.ndarray]) -> None:
        """Write activities numbered from the next free id, with earlier versions and deletes."""
        atype, created, meeting_status = rows["type"], rows["created"], rows["meeting_status"]
        n = len(atype)
        upd = np.where(
            atype == ActivityType.MEETING,
            np.where(meeting_status == MeetingStatus.SCHEDULED, created, rows["at"] + HOUR),
            created + self.secs(n, 0, HOUR),
        )
        upd = np.maximum(self.clip_t(upd), created)
        first = self.n_activities
        self.n_activities += n
        self.n_calls += int((atype == ActivityType.CALL).sum())
        self.n_meetings += int((atype == ActivityType.MEETING).sum())
        self.write_versioned(
            "crm.activities",
            {
                "activity_id": Ids("act_", first + np.arange(n)),
                "activity_type": Cat(vocab(ActivityType), atype),
                "owner_user_id": Ids("usr_", rows["owner"]),
                "lead_id": Ids("lead_", rows["lead"]),
                "contact_id": Ids("con_", rows["con"]),
                "account_id": Ids("acc_", rows["acc"]),
                "opportunity_id": Ids("opp_", rows["opp"]),
                "activity_at": rows["at"],
                "duration_seconds": IntN(rows["duration"]),
                "call_outcome": Cat(vocab(CallOutcome), rows["call_outcome"]),
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
