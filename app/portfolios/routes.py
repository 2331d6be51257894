"""`/api/v1/portfolios`: several tenders of a network planned together as one job, and the result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.core.etag import IfMatch, etag_of_bytes
from app.core.idempotency import responses
from app.jobs.deps import JobsDep, QueueingDep
from app.portfolios import acceptance, service
from app.portfolios.schemas import PortfolioCreate, PortfolioPublic, PortfoliosPublic

router = APIRouter(tags=["portfolios"])

_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "the network already has its most plans and portfolios queued or running"
        " (PLAN_MAX_ACTIVE_PER_NETWORK, default 10); `Retry-After` says when to try again",
    }
}


@router.post(
    "/portfolios",
    response_model=PortfolioPublic,
    status_code=202,
    responses=responses("a tender is a draft: sites without hours (each named)") | _TOO_MANY,
)
def create_portfolio(queueing: QueueingDep, body: PortfolioCreate) -> PortfolioPublic:
    """Queue the tenders to be planned together; the answer points to the portfolio to poll.

    Each tender gets its own grouping, mandataire and form (its `options`); the structures' hours per
    period and per trade and their yearly revenue caps are shared. At most `PORTFOLIO_MAX_TENDERS`
    tenders (default 10) and `options.time_limit_s` ≤ `PLAN_MAX_TIME_LIMIT_S`: beyond, a 422 names the
    field; an unknown tender is a 422 naming it (`tenders.1.tender`).
    """
    return queueing.run(
        "portfolio",
        body,
        lambda: service.create(
            queueing.session, queueing.jobs, queueing.network_id, body, limits=queueing.limits
        ),
        service.public,
    )


@router.get("/portfolios", response_model=PortfoliosPublic)
def list_portfolios(
    session: SessionDep, caller: CallerDep, limit: Limit = 50, offset: Offset = 0
) -> PortfoliosPublic:
    """List the network's portfolios, newest first, without their results."""
    return service.list_for_network(session, caller.network_id, limit=limit, offset=offset)


@router.get("/portfolios/{portfolio_id}", response_model=PortfolioPublic)
def read_portfolio(session: SessionDep, caller: CallerDep, portfolio_id: ResourceId) -> Response:
    """Read a portfolio: its status, progress while solving, and once done each tender's plan and the
    load calendar."""
    portfolio = service.public(service.get(session, caller.network_id, portfolio_id))
    body = portfolio.model_dump_json(by_alias=True)
    return Response(body, media_type="application/json", headers={"ETag": etag_of_bytes(body.encode())})


@router.get("/portfolios/{portfolio_id}/problem")
def read_portfolio_problem(
    session: SessionDep, caller: CallerDep, portfolio_id: ResourceId
) -> dict[str, Any]:
    """The portfolio problem it was solved on, as `planner solve` reads it."""
    return service.get(session, caller.network_id, portfolio_id).problem


@router.post(
    "/portfolios/{portfolio_id}/cancel",
    response_model=PortfolioPublic,
    responses={409: {"model": Problem, "description": "the portfolio is already done, failed or cancelled"}},
)
def cancel_portfolio(
    session: SessionDep, caller: WriterDep, jobs: JobsDep, portfolio_id: ResourceId
) -> PortfolioPublic:
    """Cancel a queued or running portfolio; a running solve is stopped."""
    return service.public(service.cancel(session, jobs, caller.network_id, portfolio_id))


@router.post(
    "/portfolios/{portfolio_id}/accept",
    response_model=PortfolioPublic,
    responses={
        409: {
            "model": Problem,
            "description": "the portfolio is not done, or a tender has no grouping or is deleted (named)",
        },
        412: {"model": Problem, "description": "If-Match names another version than the current one"},
    },
)
def accept_portfolio(
    session: SessionDep, caller: WriterDep, portfolio_id: ResourceId, if_match: IfMatch = None
) -> Response:
    """Accept each tender's grouping of a done portfolio, in one transaction: each becomes its tender's
    accepted grouping (held by a plan of its own, `tenders[].plan`) and its hours a commitment.

    Accepting it again changes nothing while its groupings are still accepted, whatever `If-Match`
    says; otherwise, with `If-Match`, only if the portfolio is still at that version (412).
    """
    portfolio = acceptance.accept(session, caller.network_id, portfolio_id, if_match=if_match)
    body = service.public(portfolio).model_dump_json(by_alias=True)
    return Response(body, media_type="application/json", headers={"ETag": etag_of_bytes(body.encode())})
