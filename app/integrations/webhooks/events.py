"""The events of the plans domain, as webhook payloads: what a back-office needs to react, and links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from app.integrations.webhooks.models import Event
from app.integrations.webhooks.service import emit
from app.plans.models import Plan, PlanStatus
from app.portfolios.models import Portfolio


def plan_finished(bind: Session | Connection, plan_id: int) -> int:
    """Emit `plan.done` or `plan.failed` for a plan whose final status is being written in `bind`."""
    conn = bind.connection() if isinstance(bind, Session) else bind
    columns = (Plan.network_id, Plan.tender_id, Plan.status, Plan.reason, Plan.result)
    row = conn.execute(select(*(col(c) for c in columns)).where(col(Plan.id) == plan_id)).first()
    if row is None:
        return 0
    network_id, tender_id, status, reason, result = row
    data: dict[str, Any] = {
        "plan_id": plan_id,
        "tender_id": tender_id,
        "status": status,
        "url": f"/api/v1/plans/{plan_id}",
    }
    if status == PlanStatus.done.value:
        data["result_status"] = (result or {}).get("status")
        data["groupings"] = len((result or {}).get("groupings", []))
        return emit(conn, network_id, Event.plan_done, data)
    if status == PlanStatus.failed.value:
        return emit(conn, network_id, Event.plan_failed, data | {"reason": reason})
    return 0


def portfolio_finished(conn: Connection, portfolio_id: int) -> int:
    """Emit `portfolio.done` or `portfolio.failed` for a portfolio whose final status is being written."""
    columns = (Portfolio.network_id, Portfolio.tenders, Portfolio.status, Portfolio.reason, Portfolio.result)
    row = conn.execute(select(*(col(c) for c in columns)).where(col(Portfolio.id) == portfolio_id)).first()
    if row is None:
        return 0
    network_id, tenders, status, reason, result = row
    data: dict[str, Any] = {
        "portfolio_id": portfolio_id,
        "tender_ids": [t["tender"] for t in tenders],
        "status": status,
        "url": f"/api/v1/portfolios/{portfolio_id}",
    }
    if status == PlanStatus.done.value:
        return emit(
            conn, network_id, Event.portfolio_done, data | {"result_status": (result or {}).get("status")}
        )
    if status == PlanStatus.failed.value:
        return emit(conn, network_id, Event.portfolio_failed, data | {"reason": reason})
    return 0


def grouping_accepted(bind: Session | Connection, plan: Plan) -> int:
    """Emit `grouping.accepted` for the plan's accepted grouping, in the transaction that accepts it."""
    assert plan.id is not None
    grouping: dict[str, Any] = next(
        (g for g in (plan.result or {}).get("groupings", []) if g.get("rank") == plan.accepted_rank), {}
    )
    data = {
        "plan_id": plan.id,
        "tender_id": plan.tender_id,
        "rank": plan.accepted_rank,
        "mandataire": grouping.get("mandataire"),
        "members": [m["structure"] for m in grouping.get("members", [])],
        "subcontractors": sorted({s["to"] for s in grouping.get("subcontracts", [])}),
        "url": f"/api/v1/plans/{plan.id}",
        "dc1": f"/api/v1/tenders/{plan.tender_id}/dc1",
        "ocds": f"/api/v1/tenders/{plan.tender_id}/ocds",
    }
    return emit(bind, plan.network_id, Event.grouping_accepted, data)
