"""`/api/v1/tenders/{id}/plans` and `/api/v1/plans/{id}`: planning a tender as a job, and its result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core.db import read_retrying
from app.core.deps import (
    BearerDep,
    CallerDep,
    Limit,
    Offset,
    ResourceId,
    SessionDep,
    WriterDep,
    get_caller_along,
)
from app.core.errors import Problem
from app.core.etag import IfMatch, IfNoneMatch, not_modified
from app.core.idempotency import responses
from app.jobs.deps import JobsDep, QueueingDep
from app.plans import service
from app.plans.schemas import AcceptRequest, PlanCreate, PlanPublic, PlansPublic, ReplanRequest

router = APIRouter(tags=["plans"])

_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "the plan is not in a state that allows this"}
}


_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "the network already has its most plans queued or running"
        " (PLAN_MAX_ACTIVE_PER_NETWORK, default 10); `Retry-After` says when to try again",
    }
}


@router.post(
    "/tenders/{tender_id}/plans",
    response_model=PlanPublic,
    status_code=202,
    responses=responses("the tender is a draft: sites without hours") | _TOO_MANY,
)
def create_plan(
    queueing: QueueingDep, tender_id: ResourceId, body: Annotated[PlanCreate | None, Body()] = None
) -> PlanPublic:
    """Queue a plan of the tender with the given options; the answer points to the plan to poll.

    `options.threads` is at most the machine's cores, `options.time_limit_s` and
    `options.alternatives` at most `PLAN_MAX_TIME_LIMIT_S` (default 600) and `PLAN_MAX_ALTERNATIVES`
    (default 10): beyond, a 422 names the option.
    """
    body = body or PlanCreate()
    return queueing.run(
        "plan",
        body,
        lambda: service.create(
            queueing.session,
            queueing.jobs,
            queueing.network_id,
            tender_id,
            body.options,
            limits=queueing.limits,
        ),
        service.public,
    )


@router.get("/tenders/{tender_id}/plans", response_model=PlansPublic)
def list_plans(
    session: SessionDep, caller: CallerDep, tender_id: ResourceId, limit: Limit = 50, offset: Offset = 0
) -> PlansPublic:
    """List the plans of a tender, newest first, without their results."""
    return service.list_for_tender(session, caller.network_id, tender_id, limit=limit, offset=offset)


@router.get(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    responses={304: {"description": "the plan has not changed since the `ETag` given in If-None-Match"}},
)
async def read_plan(
    request: Request, plan_id: ResourceId, credentials: BearerDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Read a plan: its status, progress while solving, and its result once done.

    The answer carries an `ETag`; a client that sends it back in `If-None-Match` gets 304 without a body
    while the plan has not changed.
    """

    # Clients poll this route: one trip to the thread pool and one statement for the key check and the
    # read, on the engine of hot reads; a finished plan's JSON is written once and then served as is.
    def read(session: Session) -> tuple[bytes, str]:
        caller, fetched = get_caller_along(request, session, credentials, service.along_plan(plan_id))
        if fetched is None:
            plan = service.get_for_reading(session, caller.network_id, plan_id)
        else:
            plan = service.found(fetched[0], plan_id)
        return service.public_json(plan)

    body, tag = await run_in_threadpool(read_retrying, request.app.state.read_engine, read)
    if if_none_match is not None and not_modified(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


@router.get("/plans/{plan_id}/problem")
def read_plan_problem(session: SessionDep, caller: CallerDep, plan_id: ResourceId) -> dict[str, Any]:
    """The planning problem the plan was solved on, as `planner solve` reads it."""
    return service.get(session, caller.network_id, plan_id).problem


@router.post("/plans/{plan_id}/cancel", response_model=PlanPublic, responses=_CONFLICT)
def cancel_plan(session: SessionDep, caller: WriterDep, jobs: JobsDep, plan_id: ResourceId) -> PlanPublic:
    """Cancel a queued or running plan; a running solve is stopped."""
    return service.public(service.cancel(session, jobs, caller.network_id, plan_id))


@router.post(
    "/plans/{plan_id}/accept",
    response_model=PlanPublic,
    responses={
        **_CONFLICT,
        412: {"model": Problem, "description": "If-Match names another version than the current one"},
    },
)
def accept_plan(
    session: SessionDep, caller: WriterDep, plan_id: ResourceId, body: AcceptRequest, if_match: IfMatch = None
) -> Response:
    """Make one grouping of a done plan the tender's accepted grouping and commit its hours.

    Accepting the grouping already accepted changes nothing, whatever `If-Match` says; otherwise, with
    `If-Match` (the `ETag` of `GET /plans/{id}`), only if the plan is still at that version (412):
    another coordinator may have accepted another grouping of the tender meanwhile.
    """
    plan = service.accept(session, caller.network_id, plan_id, body.rank, if_match=if_match)
    body_json, tag = service.public_json(plan)
    return Response(body_json, media_type="application/json", headers={"ETag": tag})


@router.post(
    "/plans/{plan_id}/replan",
    response_model=PlanPublic,
    status_code=202,
    responses=responses("the plan is not in a state that allows this") | _TOO_MANY,
)
def replan(queueing: QueueingDep, plan_id: ResourceId, body: ReplanRequest) -> PlanPublic:
    """Queue a new plan without the withdrawn members, keeping what it can of the accepted grouping;
    after award (`mode`), no new member."""
    return queueing.run(
        "plan",
        body,
        lambda: service.replan(
            queueing.session,
            queueing.jobs,
            queueing.network_id,
            plan_id,
            body.withdrawn,
            body.move_penalty,
            body.mode,
            limits=queueing.limits,
        ),
        service.public,
    )
