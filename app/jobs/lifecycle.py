"""A plan's or a portfolio's row and its job, written in one transaction: queued together, cancelled
together."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from app.core.db import utcnow
from app.core.errors import Conflict
from app.jobs.backend import PlanJobs
from app.jobs.kinds import JobKind, table
from app.plans.models import Plan, PlanStatus
from app.portfolios.models import Portfolio


def queue(session: Session, jobs: PlanJobs, row: Plan | Portfolio, kind: JobKind) -> None:
    """Store the new row and queue its job in the same commit; the backend is told once committed."""
    session.add(row)
    session.flush()
    assert row.id is not None
    if kind == "plan":
        jobs.enqueue(session.connection(), row.id)
    else:
        jobs.enqueue_portfolio(session.connection(), row.id)
    session.commit()
    session.refresh(row)
    jobs.committed()


def cancel(session: Session, jobs: PlanJobs, row: Plan | Portfolio, kind: JobKind) -> None:
    """A queued row is cancelled at once; a running one too, and its solver is stopped by its run.

    Only a queued or running row can be cancelled (409 otherwise); `row` is read again either way.
    """
    rows = table(kind)
    cancelled = session.connection().execute(
        update(rows)
        .where(col(rows.id) == row.id)
        .where(col(rows.status).in_([PlanStatus.queued.value, PlanStatus.running.value]))
        .values(status=PlanStatus.cancelled.value, finished_at=utcnow(), run_id=None)
    )
    if not cancelled.rowcount:
        session.rollback()
        session.refresh(row)
        raise Conflict(
            f"{kind} {row.id} is already {row.status}: only a queued or running {kind} can be cancelled"
        )
    jobs.cancel(session.connection(), row.job_id)
    session.commit()
    session.refresh(row)
