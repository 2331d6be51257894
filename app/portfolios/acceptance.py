"""Accepting a done portfolio: each tender's grouping becomes the tender's accepted grouping, and its
hours a commitment, all in one transaction.

A tender's grouping is held by a plan of its own (`Plan.portfolio_id`): done, with the tender's
planning problem as the portfolio posed it and its plan as the portfolio solved it. Accepting it is
accepting a plan's grouping (`app.plans.service.accept_grouping`): the tender's earlier acceptance
and commitment are replaced, `grouping.accepted` is announced, later plans and portfolios respect the
hours. Accepting again changes nothing for a tender whose accepted grouping is still the portfolio's
(nor commits its hours again once released); a tender whose acceptance moved to another plan since
gets the portfolio's back, as accepting a plan again does.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.core.db import begin_write, utcnow
from app.core.errors import Conflict, FieldError, PreconditionFailed
from app.core.etag import etag_of_bytes, tag_listed
from app.plans import service as plans
from app.plans.models import Plan, PlanStatus
from app.portfolios.models import Portfolio
from app.portfolios.service import get, public
from app.tenders.models import Tender
from solver.problem import PlanningProblem


def etag_of(portfolio: Portfolio) -> str:
    """The portfolio's `ETag`: a digest of its JSON as `GET /portfolios/{id}` answers it."""
    return etag_of_bytes(public(portfolio).model_dump_json(by_alias=True).encode())


def _held(session: Session, portfolio: Portfolio) -> dict[int, Plan]:
    """The plans that already hold the portfolio's groupings, by tender."""
    found = session.exec(select(Plan).where(col(Plan.portfolio_id) == portfolio.id)).all()
    return {plan.tender_id: plan for plan in found}


def accepted_plans(session: Session, portfolio: Portfolio) -> dict[int, int]:
    """The tenders whose accepted grouping is still the portfolio's, and the plan that holds it."""
    return {t: plan.id for t, plan in _held(session, portfolio).items() if plan.accepted_rank and plan.id}


def _to_accept(session: Session, portfolio: Portfolio) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Each tender whose accepted grouping is not the portfolio's: (tender id, its plan as solved, its
    problem entry). A portfolio that is not done, or a tender without a grouping or deleted since, is
    a 409 naming it: nothing is accepted."""
    if portfolio.status != PlanStatus.done.value or not portfolio.result:
        raise Conflict(
            f"portfolio {portfolio.id} is {portfolio.status}: only a done portfolio has groupings to accept"
        )
    held = _held(session, portfolio)
    planned = portfolio.result.get("tenders") or []
    posed = (portfolio.problem or {}).get("tenders") or []
    ids = [int(entry["tender"]) for entry in portfolio.tenders]
    existing = set(session.exec(select(Tender.id).where(col(Tender.id).in_(ids))).all())
    errors: list[FieldError] = []
    todo: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for n, (tender_id, solved, spec) in enumerate(zip(ids, planned, posed, strict=False)):
        plan = held.get(tender_id)
        if plan is not None and plan.accepted_rank is not None:
            continue
        if tender_id not in existing:
            errors.append(FieldError(field=f"tenders.{n}.tender", reason=f"tender {tender_id} was deleted"))
        elif not (solved.get("plan") or {}).get("groupings"):
            errors.append(
                FieldError(field=f"tenders.{n}.tender", reason=f"tender {tender_id} has no grouping")
            )
        else:
            todo.append((tender_id, solved, spec))
    if errors:
        raise Conflict(
            f"portfolio {portfolio.id} cannot be accepted: every tender needs a grouping", errors=errors
        )
    return todo


def _plan_of(
    session: Session, portfolio: Portfolio, tender_id: int, solved: dict[str, Any], spec: dict[str, Any]
) -> Plan:
    """A done plan holding the tender's grouping as the portfolio posed and solved it."""
    try:
        structures = portfolio.problem["structures"]
        problem = PlanningProblem.model_validate(
            {"tender": spec["tender"], "structures": structures, "options": spec["options"]}
        )
    except (KeyError, ValidationError):  # stored by an older version that no longer reads
        raise Conflict(f"portfolio {portfolio.id} was solved on a problem this version cannot read") from None
    plan = Plan(
        network_id=portfolio.network_id,
        tender_id=tender_id,
        status=PlanStatus.done.value,
        options=problem.options.model_dump(mode="json"),
        problem=problem.model_dump(mode="json"),
        result=solved["plan"],
        portfolio_id=portfolio.id,
        created_at=portfolio.created_at,
        started_at=portfolio.started_at,
        finished_at=portfolio.finished_at,
    )
    session.add(plan)
    session.flush()
    return plan


def accept(session: Session, network_id: int, portfolio_id: int, *, if_match: str | None = None) -> Portfolio:
    """Accept every tender's grouping of the done portfolio and commit their hours, in one transaction.

    A portfolio whose groupings are all still accepted is answered as it is, whatever `If-Match` says
    (a retried accept finds what it asked for); otherwise it is accepted only if still at `If-Match`,
    when given (412)."""
    begin_write(session)
    portfolio = get(session, network_id, portfolio_id)
    # The tenders are held first (another accept of one of them under way is a 409), and what is
    # still to accept is read under the hold: two accepts never make two plans of one grouping.
    for entry in portfolio.tenders:
        plans.lock_tender(session, int(entry["tender"]))
    session.refresh(portfolio)
    todo = _to_accept(session, portfolio)
    if not todo:
        session.rollback()
        return get(session, network_id, portfolio_id)
    if if_match is not None and not tag_listed(if_match, etag_of(portfolio)):
        raise PreconditionFailed(
            "the portfolio has changed since the version given in If-Match: read it again (GET) and retry"
        )
    held = _held(session, portfolio)
    steps = {tender_id: (solved, spec) for tender_id, solved, spec in todo}
    entries = []
    for entry in portfolio.tenders:
        if int(entry["tender"]) in steps:
            tender_id = int(entry["tender"])
            solved, spec = steps[tender_id]
            plan = held.get(tender_id) or _plan_of(session, portfolio, tender_id, solved, spec)
            plans.accept_grouping(session, plan, int(solved["plan"]["groupings"][0].get("rank") or 1))
            entry = entry | {"plan": plan.id}
        entries.append(entry)
    # A new list: the JSON column is written only when the attribute changes.
    portfolio.tenders = entries
    portfolio.accepted_at = utcnow()
    session.add(portfolio)
    session.commit()
    return get(session, network_id, portfolio_id)
