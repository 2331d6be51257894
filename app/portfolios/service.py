"""Portfolios of a network: several tenders planned together as one job; request, read, list, cancel.

Every function is scoped by the network (another network's portfolio is answered as missing) and owns
its transaction: a portfolio and its job are committed together or not at all. The commitments and
the load calendar read a done portfolio through `get` and `public`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.core.db import begin_write
from app.core.errors import Conflict, FieldError, InvalidInput, NotFound
from app.jobs import lifecycle
from app.jobs.backend import PlanJobs
from app.plans.limits import PlanLimits, check_room, threads_over, time_limit_over
from app.portfolios.models import Portfolio
from app.portfolios.problem import build_problem
from app.portfolios.schemas import (
    PortfolioCreate,
    PortfolioPublic,
    PortfoliosPublic,
    PortfolioSummary,
    PortfolioTenderIn,
)
from app.tenders import service as tenders
from app.tenders.models import Tender


def get(session: Session, network_id: int, portfolio_id: int) -> Portfolio:
    # The stored problem is the largest column and most reads do not need it: loaded on first access.
    portfolio = session.exec(
        select(Portfolio).where(Portfolio.id == portfolio_id).options(defer(Portfolio.problem))  # type: ignore[arg-type]
    ).first()
    if portfolio is None or portfolio.network_id != network_id:
        raise NotFound(f"no portfolio {portfolio_id} in this network")
    return portfolio


def public(portfolio: Portfolio) -> PortfolioPublic:
    data: dict[str, Any] = portfolio.model_dump(exclude={"problem", "result"})
    result = portfolio.result
    if result is not None:
        # The solver names tenders by reference; the API by id too, in the order they were asked.
        result = result | {
            "tenders": [
                plan | {"tender_id": asked["tender"]}
                for plan, asked in zip(result.get("tenders", []), portfolio.tenders, strict=False)
            ]
        }
    return PortfolioPublic.model_validate(data | {"result": result})


def check_limits(body: PortfolioCreate, limits: PlanLimits) -> None:
    """Every request over a limit of this service, named (422)."""
    errors = []
    if len(body.tenders) > limits.max_portfolio_tenders:
        errors.append(
            FieldError(
                field="tenders",
                reason=f"at most {limits.max_portfolio_tenders} tenders on this service"
                " (PORTFOLIO_MAX_TENDERS)",
            )
        )
    errors += time_limit_over(body.options.time_limit_s, limits)
    for n, entry in enumerate(body.tenders):
        errors += threads_over(entry.options.threads, f"tenders.{n}.options.threads")
    if errors:
        raise InvalidInput(errors)


def _tenders(
    session: Session, network_id: int, body: PortfolioCreate
) -> list[tuple[Tender, PortfolioTenderIn]]:
    """The tenders asked, each of this network and once; every one that is not is named (422)."""
    ids = [entry.tender for entry in body.tenders]
    # Their lots and sites are read as one version: the rows are held (FOR SHARE) until the commit.
    session.exec(select(Tender.id).where(col(Tender.id).in_(ids)).with_for_update(read=True)).all()
    found = {
        t.id: t
        for t in session.exec(
            select(Tender).where(col(Tender.id).in_(ids), Tender.network_id == network_id)
        ).all()
    }
    errors = []
    first: dict[int, int] = {}
    for n, tender_id in enumerate(ids):
        if tender_id not in found:
            errors.append(
                FieldError(field=f"tenders.{n}.tender", reason=f"no tender {tender_id} in this network")
            )
        elif tender_id in first:
            errors.append(
                FieldError(
                    field=f"tenders.{n}.tender",
                    reason=f"tender {tender_id} is already in the portfolio (tenders.{first[tender_id]})",
                )
            )
        first.setdefault(tender_id, n)
    if errors:
        raise InvalidInput(errors)
    return [(found[entry.tender], entry) for entry in body.tenders]


def refuse_drafts(session: Session, asked: list[tuple[Tender, PortfolioTenderIn]]) -> None:
    """A draft tender (sites without hours) cannot be planned: 409 naming each site to complete."""
    errors: list[FieldError] = []
    drafts: list[str] = []
    for n, (tender, _) in enumerate(asked):
        missing = tenders.sites_without_hours(session, tender)
        if missing:
            drafts.append(f"tender {tender.id} ({len(missing)} site(s))")
            errors += [
                FieldError(field=f"tenders.{n}.sites.{ref}.hours", reason="workload in hours unknown")
                for ref in missing
            ]
    if errors:
        raise Conflict(
            f"{', '.join(drafts)} {'is a draft' if len(drafts) == 1 else 'are drafts'}: sites have no hours; "
            "give their hours (PATCH /tenders/{id} with the lots) or import the package again with "
            "hours_per_unit",
            errors=errors,
        )


def create(
    session: Session,
    jobs: PlanJobs,
    network_id: int,
    body: PortfolioCreate,
    *,
    limits: PlanLimits | None = None,
) -> Portfolio:
    """Store the portfolio with its problem as the data stand now, and queue its job in the same commit.

    With `limits` (requests over the API), a request over them is a 422 and a network that already
    has its most plans and portfolios queued or running a 429.
    """
    if limits is not None:
        check_limits(body, limits)
    begin_write(session)
    asked = _tenders(session, network_id, body)
    if limits is not None:
        check_room(session, network_id, limits)
    refuse_drafts(session, asked)
    reference = body.reference or "+".join(t.reference for t, _ in asked)[:64]
    problem = build_problem(session, network_id, reference, asked, body.options)
    portfolio = Portfolio(
        network_id=network_id,
        reference=reference,
        tenders=[
            {
                "tender": tender.id,
                "reference": tender.reference,
                "options": spec.options.model_dump(mode="json"),
            }
            for (tender, _), spec in zip(asked, problem.tenders, strict=True)
        ],
        options=problem.options.model_dump(mode="json"),
        problem=problem.model_dump(mode="json"),
    )
    lifecycle.queue(session, jobs, portfolio, "portfolio")
    return portfolio


def list_for_network(
    session: Session, network_id: int, *, limit: int = 50, offset: int = 0
) -> PortfoliosPublic:
    query = select(Portfolio).where(Portfolio.network_id == network_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(
        query.options(defer(Portfolio.problem), defer(Portfolio.result))  # type: ignore[arg-type]
        .order_by(col(Portfolio.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        PortfolioSummary.model_validate(
            p.model_dump(include=set(PortfolioSummary.model_fields))
            | {"tender_ids": [t["tender"] for t in p.tenders]}
        )
        for p in page
    ]
    return PortfoliosPublic(items=items, total=total, limit=limit, offset=offset)


def cancel(session: Session, jobs: PlanJobs, network_id: int, portfolio_id: int) -> Portfolio:
    """A queued portfolio is cancelled at once; a running one too, and its solver is stopped by its run."""
    portfolio = get(session, network_id, portfolio_id)
    lifecycle.cancel(session, jobs, portfolio, "portfolio")
    return portfolio
