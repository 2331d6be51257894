"""The grouping accepted for a tender, as the tender resource shows it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.plans.models import Plan
from app.plans.schemas import AcceptedGrouping, accepted_grouping


def accepted_for_tender(session: Session, tender_id: int | None) -> AcceptedGrouping | None:
    plan = session.exec(
        select(Plan).where(Plan.tender_id == tender_id, col(Plan.accepted_rank).is_not(None))
    ).first()
    if plan is None or plan.id is None or plan.accepted_rank is None:
        return None
    return accepted_grouping(plan.id, plan.accepted_rank, plan.accepted_at, plan.result)
