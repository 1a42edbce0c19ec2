"""HR system: employees, requisitions, applications, training courses and enrollments, time entries."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from salesmart.generate.common import (
    CURRENCIES,
    HOUR,
    LOCAL_PER_USD,
    TERRITORY_CURRENCY,
    Currency,
    GeneratorBase,
    Role,
    Stream,
    TerminationReason,
    name_sql,
    vocab,
)
from salesmart.generate.writer import DAY, NAT, Cat, Ids, Sql

SKILLS = ("negotiation", "prospecting", "product", "discovery", "closing", "crm", "presentation")


class Department(IntEnum):
    SALES = 0
    MARKETING = 1
    FINANCE = 2
    ENGINEERING = 3
    HR = 4


class JobTitle(IntEnum):
    SALES_MANAGER = 0
    ACCOUNT_EXECUTIVE = 1
    SDR = 2
    MARKETING_MANAGER = 3
    SPECIALIST = 4


JOB_TITLES = ("Sales Manager", "Account Executive", "SDR", "Marketing Manager", "Specialist")  # by JobTitle
# Job title by Role (staff outside sales and marketing have role OTHER).
JOB_TITLE_OF_ROLE = np.array(
    [JobTitle.ACCOUNT_EXECUTIVE, JobTitle.SDR, JobTitle.SALES_MANAGER, JobTitle.MARKETING_MANAGER, JobTitle.SPECIALIST]
)


class RequisitionStatus(IntEnum):
    OPEN = 0
    FILLED = 1
    CANCELLED = 2


class AppStage(IntEnum):
    APPLIED = 0
    SCREEN = 1
    INTERVIEW = 2
    OFFER = 3
    HIRED = 4
    REJECTED = 5
    WITHDRAWN = 6


class TimeCategory(IntEnum):
    SELLING = 0
    PROSPECT_RESEARCH = 1
    DATA_ENTRY = 2
    CONTENT_CREATION = 3
    RECRUITING = 4
    TRAINING = 5
    ADMIN = 6
    OTHER = 7


class HrTables(GeneratorBase):
    """HR tables; employees are the CRM's users (employee idx = user idx) plus staff outside sales."""

    def hr(self) -> None:
        rng = self.rng
        nu = self.n_users
        people = np.flatnonzero(self.role != Role.OTHER)
        n_other = max(5, round(len(people) * 0.1))
        ne = nu + n_other  # employee idx = user idx for users; integration user's slot stays unused (-1)
        dept = np.full(ne, -1)
        sales = self.role <= Role.SALES_MANAGER
        dept[:nu] = np.where(sales, Department.SALES, np.where(self.role == Role.MARKETING, Department.MARKETING, -1))
        dept[nu:] = rng.choice([Department.FINANCE, Department.ENGINEERING, Department.HR], n_other)
        sel = np.flatnonzero(dept >= 0)  # the employees
        hire = np.concatenate([self.hire, (self.T0 - self.secs(n_other, 30 * DAY, 6 * 365 * DAY)) // DAY * DAY])
        term = np.concatenate([self.term, np.full(n_other, NAT)])
        reason = np.concatenate([self.term_reason, np.full(n_other, -1)])
        role = np.concatenate([self.role, np.full(n_other, Role.OTHER)])
        title = JOB_TITLE_OF_ROLE[role]
        mgr = np.full(ne, -1)
        mgr[:nu] = self.manager
        cur = np.full(ne, Currency.USD)
        cur[:nu] = np.where(self.terr >= 0, TERRITORY_CURRENCY[np.maximum(self.terr, 0)], Currency.USD)
        base = np.array([70_000, 55_000, 120_000, 65_000, 80_000])[title]  # by JobTitle
        salary = base * self.u(ne, 0.85, 1.2) * LOCAL_PER_USD[cur]
        upd = np.where(term != NAT, term + 10 * HOUR, hire + self.secs(ne, DAY, 20 * DAY))
        self.write_versioned(
            "hr.employees",
            {
                "employee_id": Ids("emp_", sel),
                "full_name": Sql(name_sql("_eid")),
                "_eid": sel,
                "email": Sql("'emp' || _eid || '@salesmart-demo.com'"),
                "department": Cat(vocab(Department), dept[sel]),
                "job_title": Cat(JOB_TITLES, title[sel]),
                "manager_employee_id": Ids("emp_", mgr[sel]),
                "hire_date": hire[sel],
                "termination_date": term[sel],
                "termination_reason": Cat(vocab(TerminationReason), reason[sel]),
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
        status = np.concatenate(
            [
                np.full(nh, RequisitionStatus.FILLED),
                np.full(n_open, RequisitionStatus.OPEN),
                np.full(n_canc, RequisitionStatus.CANCELLED),
            ]
        )
        sales_or_marketing = [Department.SALES] * 3 + [Department.MARKETING]
        rdept = np.concatenate([dept[hired], rng.choice(sales_or_marketing, n_open + n_canc)])
        cancelled = status == RequisitionStatus.CANCELLED
        rupd = np.where(filled != NAT, filled, opened + np.where(cancelled, 30 * DAY, 0))
        rupd = self.clip_t(rupd + HOUR)
        self.write_versioned(
            "hr.requisitions",
            {
                "requisition_id": Ids("req_", np.arange(nr)),
                "department": Cat(vocab(Department), rdept),
                "job_title": Cat(
                    JOB_TITLES,
                    np.concatenate(
                        [
                            title[hired],
                            np.where(
                                rdept[nh:] == Department.SALES, JobTitle.ACCOUNT_EXECUTIVE, JobTitle.MARKETING_MANAGER
                            ),
                        ]
                    ),
                ),
                "opened_at": opened,
                "filled_at": filled,
                "hired_employee_id": Ids("emp_", np.concatenate([hired, np.full(n_open + n_canc, -1)])),
                "status": Cat(vocab(RequisitionStatus), status),
                "updated_at": rupd,
            },
            opened,
            old_share=0.7,
            old_values=lambda idx: {
                "filled_at": NAT,
                "hired_employee_id": -1,
                "status": RequisitionStatus.OPEN,
            },
        )
        # applications: 10-40 per requisition; the filled ones have one hired application
        na_per = 8 + rng.poisson(18, nr)
        ar = np.repeat(np.arange(nr), na_per)
        pos = np.arange(len(ar)) - np.repeat(np.cumsum(na_per) - na_per, na_per)
        nap = len(ar)
        close = np.where(filled != NAT, filled, np.where(cancelled, rupd, self.T1 - DAY))
        applied = opened[ar] + (rng.random(nap) * np.maximum(close[ar] - opened[ar] - DAY, DAY)).astype(np.int64)
        applied = self.clip_t(applied)
        not_hired = [stage for stage in AppStage if stage != AppStage.HIRED]
        astage = rng.choice(not_hired, nap, p=[0.25, 0.2, 0.15, 0.03, 0.3, 0.07])
        # a filled requisition's first application is the hire
        astage = np.where((pos == 0) & (status[ar] == RequisitionStatus.FILLED), AppStage.HIRED, astage)
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
                "stage": Cat(vocab(AppStage), astage),
                "updated_at": aupd,
            },
            applied,
            old_share=0.3,
            old_values=lambda idx: {"stage": AppStage.APPLIED},
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
        sales_emp = sel[dept[sel] == Department.SALES]
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
        # time entries: each sales employee, each workday employed, several categories; in blocks of people
        sales_req = np.flatnonzero(rdept == Department.SALES)
        self.n_time_entries = 0
        per_block = max(1, self.block_rows // len(self.workdays))
        for lo, hi in self.blocks(len(sales_emp), Stream.TIME_ENTRIES, size=per_block):
            self._time_entries(sales_emp[lo:hi], hire, term, role, sales_req)

    def _time_entries(
        self, emps: np.ndarray, hire: np.ndarray, term: np.ndarray, role: np.ndarray, sales_req: np.ndarray
    ) -> None:
        """Write the time entries of the employees `emps` (ids run on from self.n_time_entries)."""
        rng = self.rng
        wd = self.workdays * DAY
        ee = np.repeat(emps, len(wd))
        dd = np.tile(wd, len(emps))
        on = (dd >= hire[ee]) & ((term[ee] == NAT) | (dd <= term[ee])) & (rng.random(len(ee)) < 0.93)
        ee, dd = ee[on], dd[on]
        nd = len(ee)
        is_mgr = role[ee] == Role.SALES_MANAGER
        # share of days with each TimeCategory, and its hours from lo to hi
        p = np.array([1.0, 0.8, 0.9, 0.5, 0.0, 0.1, 0.7, 0.2])
        lo = np.array([3.5, 0.5, 0.5, 0.25, 1.0, 1.0, 0.25, 0.25])
        hi = np.array([6.5, 1.5, 1.5, 1.5, 2.0, 3.0, 1.0, 1.0])
        present = rng.random((nd, len(TimeCategory))) < p
        present[:, TimeCategory.RECRUITING] = is_mgr & (rng.random(nd) < 0.3)  # managers hire
        rows, cats = np.nonzero(present)
        hours = np.round((lo[cats] + (hi[cats] - lo[cats]) * rng.random(len(rows))) * 4) / 4
        req = np.where(
            cats == TimeCategory.RECRUITING,
            sales_req[rng.integers(0, max(len(sales_req), 1), len(rows))] if len(sales_req) else -1,
            -1,
        )
        tdate = dd[rows]
        tupd = self.clip_t(tdate + 17 * HOUR + self.secs(len(rows), 0, 3 * HOUR))
        nte = len(rows)
        self.w.write(
            "hr.time_entries",
            {
                "entry_id": Ids("tme_", self.n_time_entries + np.arange(nte)),
                "employee_id": Ids("emp_", ee[rows]),
                "work_date": tdate,
                "category": Cat(vocab(TimeCategory), cats),
                "hours": hours,
                "requisition_id": Ids("req_", req),
                "updated_at": tupd,
            },
            self.w.file_index(tupd),
        )
        self.n_time_entries += nte
