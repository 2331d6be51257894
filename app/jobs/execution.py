"""Running one plan or portfolio: claim it, solve its stored problem in a child process, record the
outcome.

The same steps serve the embedded runner and the PostgreSQL workers, for plans and portfolios alike.
Every write is conditional on the plan still being `running` under this run's id, so a cancelled
plan, or a plan another worker took over, is never overwritten: the run notices it lost the plan and
stops its solver.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlmodel import col

from app.core.db import utcnow
from app.integrations.webhooks import events as webhook_events
from app.jobs.child import SOLVER_NICENESS, solve_in_child
from app.jobs.kinds import JobKind, table
from app.plans.models import PlanStatus

logger = logging.getLogger("planner.jobs")

# Seconds of grace over the solver's own time limits before a solve is considered stuck.
_STUCK_GRACE_S = 120.0


@dataclass(frozen=True)
class RunSettings:
    progress_interval_s: float = 1.0
    """Least time between two progress writes to the plan row."""
    niceness: int = SOLVER_NICENESS
    """Scheduling niceness of the solving processes (0 on a machine that only solves)."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owned(plan_id: int, run_id: str, kind: JobKind = "plan") -> Any:
    rows = table(kind)
    return (
        update(rows)
        .where(col(rows.id) == plan_id)
        .where(col(rows.run_id) == run_id)
        .where(col(rows.status) == PlanStatus.running.value)
    )


def claim(
    engine: Engine, plan_id: int, worker: str, *, take_over: bool, kind: JobKind = "plan"
) -> str | None:
    """Mark the plan running under a new run id; None when it is no longer to be run.

    `take_over` also claims a plan still marked running: a job queued again after its worker died
    finds its plan so. Without it, of two runs that picked the same queued plan only the first runs.
    """
    run_id = uuid.uuid4().hex
    claimable = [PlanStatus.queued.value] + ([PlanStatus.running.value] if take_over else [])
    rows = table(kind)
    with engine.begin() as conn:
        claimed = conn.execute(
            update(rows)
            .where(col(rows.id) == plan_id)
            .where(col(rows.status).in_(claimable))
            .values(
                status=PlanStatus.running.value,
                run_id=run_id,
                worker=worker,
                attempts=col(rows.attempts) + 1,
                started_at=utcnow(),
                progress={"elapsed_s": 0.0, "stage": None, "objective": None, "bound": None, "gap": None},
            )
        ).rowcount
    return run_id if claimed else None


def _deadline(problem: dict[str, Any]) -> float:
    options = problem.get("options") or {}
    per_solve = float(options.get("time_limit_s", 30))
    return per_solve * (int(options.get("alternatives", 1)) + 1) + _STUCK_GRACE_S


Requeue = Callable[[Connection, int], None]


def run_plan(
    engine: Engine,
    plan_id: int,
    settings: RunSettings | None = None,
    *,
    should_continue: Callable[[], bool] = lambda: True,
    requeue: Requeue | None = None,
    take_over: bool = False,
    kind: JobKind = "plan",
) -> str | None:
    """Solve the plan (or the portfolio, `kind`) if it is still to be solved; return the status it
    ended with.

    None when the plan was not this run's to finish: already final, cancelled or taken over while
    solving, or interrupted because `should_continue()` turned False (the process is stopping). An
    interrupted plan goes back to `queued` and, in the same transaction, `requeue` queues its job.
    """
    settings = settings or RunSettings()
    run_id = claim(engine, plan_id, worker_name(), take_over=take_over, kind=kind)
    if run_id is None:
        return None
    rows = table(kind)
    with engine.connect() as conn:
        problem = conn.execute(select(col(rows.problem)).where(col(rows.id) == plan_id)).scalar_one()
    logger.info("%s %s: solving (run %s)", kind, plan_id, run_id)

    started = time.monotonic()
    last_write = started
    figures: dict[str, Any] = {"stage": None, "objective": None, "bound": None, "gap": None}

    interrupted = False

    def on_tick(latest: dict[str, Any] | None) -> bool:
        nonlocal last_write, interrupted
        if not should_continue():
            interrupted = True
            return False
        if latest:
            if latest.get("stage") != figures["stage"]:
                # Each stage of the engine solves its own model: its figures replace the last stage's.
                figures.update(objective=None, bound=None, gap=None)
            figures.update(latest)
        now = time.monotonic()
        if now - last_write < settings.progress_interval_s:
            return True
        last_write = now
        progress = {"elapsed_s": round(now - started, 1), **figures}
        with engine.begin() as conn:
            # Writing progress also tells whether the plan is still ours: cancelled or taken over, stop.
            return bool(conn.execute(_owned(plan_id, run_id, kind).values(progress=progress)).rowcount)

    outcome = solve_in_child(
        json.dumps(problem),
        on_tick=on_tick,
        deadline_s=_deadline(problem),
        niceness=settings.niceness,
        kind=kind,
    )
    if outcome.kind == "stopped" and interrupted:
        _release(engine, plan_id, run_id, requeue, kind)
        return None
    if outcome.kind == "stopped":
        logger.info("%s %s: solve stopped, it was cancelled or taken over", kind, plan_id)
        return None
    progress = {"elapsed_s": round(time.monotonic() - started, 1), **figures}
    values: dict[str, Any] = {"progress": progress, "finished_at": utcnow()}
    if outcome.kind == "done" and outcome.plan is not None:
        solver = outcome.plan.get("solver") or {}
        progress.update({k: solver.get(k) for k in ("objective", "bound", "gap")}, stage="finished")
        values.update(status=PlanStatus.done.value, result=outcome.plan)
        if outcome.plan.get("status") == "error":
            messages = [d.get("message", "") for d in outcome.plan.get("diagnostics", [])]
            values.update(
                status=PlanStatus.failed.value,
                reason="the solver reported an error: "
                + ("; ".join(m for m in messages if m) or "no detail"),
            )
    else:
        values.update(status=PlanStatus.failed.value, reason=outcome.reason)
    with engine.begin() as conn:
        written = conn.execute(_owned(plan_id, run_id, kind).values(**values)).rowcount
        if written:
            # Announced in the same transaction: a webhook hears of the plan if and only if it is stored.
            if kind == "plan":
                webhook_events.plan_finished(conn, plan_id)
            else:
                webhook_events.portfolio_finished(conn, plan_id)
    if not written:
        return None
    logger.info("%s %s: %s", kind, plan_id, values["status"])
    return str(values["status"])


def _release(
    engine: Engine, plan_id: int, run_id: str, requeue: Requeue | None, kind: JobKind = "plan"
) -> None:
    with engine.begin() as conn:
        released = conn.execute(
            _owned(plan_id, run_id, kind).values(status=PlanStatus.queued.value, run_id=None, worker=None)
        ).rowcount
        if released and requeue is not None:
            requeue(conn, plan_id)
    logger.info("%s %s: interrupted by shutdown, queued again", kind, plan_id)
