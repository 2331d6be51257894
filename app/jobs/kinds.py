"""What the job queue solves: a plan (one tender) or a portfolio (several tenders planned together).

Both are rows with the same job columns (status, run_id, worker, job_id, progress, result, reason,
attempts, created_at, started_at, finished_at): the runner and the workers treat them alike, and
networks take turns over both.
"""

from __future__ import annotations

from typing import Literal

from app.plans.models import Plan
from app.portfolios.models import Portfolio

JobKind = Literal["plan", "portfolio"]
JobTable = type[Plan] | type[Portfolio]
TABLES: dict[JobKind, JobTable] = {"plan": Plan, "portfolio": Portfolio}


def table(kind: JobKind) -> JobTable:
    return TABLES[kind]
