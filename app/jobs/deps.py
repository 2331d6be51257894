"""Request dependencies of the routes that queue a plan or a portfolio: the job backend, this service's
limits, and `Queueing`, which creates the row and its job once per `Idempotency-Key` and points the
answer to the route that reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlmodel import Session

from app.core.idempotency import IdempotencyDep
from app.jobs.backend import PlanJobs
from app.jobs.kinds import JobKind
from app.plans.limits import PlanLimits


def get_jobs(request: Request) -> PlanJobs:
    jobs: PlanJobs = request.app.state.plan_jobs
    return jobs


JobsDep = Annotated[PlanJobs, Depends(get_jobs)]


def get_limits(request: Request) -> PlanLimits:
    return PlanLimits.from_settings(request.app.state.settings)


LimitsDep = Annotated[PlanLimits, Depends(get_limits)]


class _Row(Protocol):
    id: int | None


Row = TypeVar("Row", bound=_Row)
Public = TypeVar("Public", bound=BaseModel)


class Queueing:
    """What a route that queues a plan or a portfolio needs: the writer's key (checked), its session,
    the job backend, this service's limits and the request's `Idempotency-Key`."""

    def __init__(self, once: IdempotencyDep, jobs: JobsDep, limits: LimitsDep) -> None:
        self.once = once
        self.jobs = jobs
        self.limits = limits

    @property
    def session(self) -> Session:
        return self.once.session

    @property
    def network_id(self) -> int:
        return self.once.caller.network_id

    def run(
        self, kind: JobKind, body: BaseModel, create: Callable[[], Row], public: Callable[[Row], Public]
    ) -> Public:
        """`create()` the row and its job at most once per `Idempotency-Key` (a retry gets the first
        answer back), and answer `public(row)` with a `Location` to the route that reads it
        (`read_{kind}`, with the path parameter `{kind}_id`)."""

        def queue() -> Public:
            row = create()
            assert row.id is not None
            location = self.once.request.url_for(f"read_{kind}", **{f"{kind}_id": str(row.id)}).path
            self.once.response.headers["Location"] = str(location)
            return public(row)

        result: Public = self.once.run(body, queue)
        return result


QueueingDep = Annotated[Queueing, Depends(Queueing)]
