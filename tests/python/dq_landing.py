"""A small landing set shared by the data-quality tests (crash safety, privacy).

The pipeline test's CRM files plus a few HR files built so that one department slice has too few people:
  requisitions r1 (sales) and r2 (engineering), opened 2026-03-01
  applications: 2 candidates for r1, 6 candidates for r2, applied 2026-03-05
  recruiting time entries on 2026-03-10: 4 hours on r1, 12 hours on r2
So in March 2026 recruiting_hours_per_candidate is 12 / 6 = 2.0 for engineering (6 people), suppressed for
sales (2 people < min_group_size 5), and (4 + 12) / 8 = 2.0 in total.
One opportunity update carries a +02:00 offset: 2026-03-21T11:00:00+02:00 lands as 09:00 UTC.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import salesmart_command
from test_pipeline_kpis import LANDING as PIPELINE_LANDING

TS = "2026-01-01T00:00:00Z"

# Clear-text PII planted in the landing; none of it may appear past staging.
PLANTED_NAMES = ["Ann One", "Bob Two", "Cid Three", "Zed Recruiter", "Quenby", "Xylander"]
PLANTED_EMAILS = ["ann@example.com", "zed.recruiter@example.com", "quenby.x@example.com"]
PLANTED_PHONE = "+1 (555) 010-4477"
PLANTED_SALARY = "98765.43"

HR_LANDING = {
    "crm/contacts/2026-01-01.csv": f"""contact_id,account_id,first_name,last_name,email,phone,title,persona,created_at,updated_at,is_deleted
k1,a1,Quenby,Xylander,quenby.x@example.com,{PLANTED_PHONE},CFO,economic_buyer,{TS},{TS},false
""",
    "hr/employees/2026-01-01.csv": f"""employee_id,full_name,email,department,job_title,manager_employee_id,hire_date,termination_date,termination_reason,base_salary,currency_code,updated_at
e1,Ann One,ann@example.com,sales,Account Executive,,2025-06-01,,,{PLANTED_SALARY},USD,{TS}
e2,Bob Two,bob@example.com,sales,Account Executive,,2025-06-01,,,70000,USD,{TS}
e3,Cid Three,cid@example.com,sales,Account Executive,,2025-09-01,,,70000,USD,{TS}
e9,Zed Recruiter,zed.recruiter@example.com,people,Recruiter,,2024-01-01,,,60000,USD,{TS}
""",
    "hr/requisitions/2026-03-01.csv": f"""requisition_id,department,job_title,opened_at,filled_at,hired_employee_id,status,updated_at
r1,sales,Account Executive,2026-03-01T09:00:00Z,,,open,{TS}
r2,engineering,Engineer,2026-03-01T09:00:00Z,,,open,{TS}
""",
    "hr/applications/2026-03-31.csv": "application_id,requisition_id,candidate_id,applied_at,stage,updated_at\n"
    + "".join(
        f"ap{i},{req},c{i},2026-03-05T10:00:00Z,applied,2026-03-05T10:00:00Z\n"
        for i, req in enumerate(["r1", "r1", "r2", "r2", "r2", "r2", "r2", "r2"], start=1)
    ),
    "hr/time_entries/2026-03-31.csv": f"""entry_id,employee_id,work_date,category,hours,requisition_id,updated_at
te1,e9,2026-03-10,recruiting,4,r1,{TS}
te2,e9,2026-03-10,recruiting,12,r2,{TS}
""",
}

OFFSET_OPPORTUNITY = {
    # O7 moves to discovery; the offset is converted at load (11:00 at +02:00 is 09:00 UTC).
    "crm/opportunities/2026-04-02.csv": (
        "opportunity_id,account_id,owner_user_id,opportunity_type,stage_name,amount,currency_code,close_date,"
        "is_closed,is_won,closed_at,created_at,updated_at,is_deleted\n"
        "O7,a2,u3,new_business,qualification,1000,EUR,2026-03-31,false,false,,2026-03-20T09:00:00Z,"
        "2026-03-21T11:00:00+02:00,false\n"
    ),
}

LANDING = {**PIPELINE_LANDING, **HR_LANDING, **OFFSET_OPPORTUNITY}
AS_OF = "2026-03-31"


def write_landing(landing: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def salesmart_env(home: Path, landing: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESMART_")}
    env.update(SALESMART_HOME=str(home), SALESMART_LANDING=str(landing), SALESMART_AS_OF=AS_OF, COLUMNS="200")
    return env


def run_salesmart(home: Path, landing: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*salesmart_command(), *args],
        env=salesmart_env(home, landing),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def build_warehouse(root: Path) -> Path:
    """root/landing from LANDING and root/home built by one `salesmart run`; returns root."""
    write_landing(root / "landing", LANDING)
    result = run_salesmart(root / "home", root / "landing", "run")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return root
