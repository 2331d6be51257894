"""Production mode: plans and portfolios solved by `planner worker` processes through procrastinate
(PostgreSQL).

A plan's (or portfolio's) job is written in the same transaction as its row, so neither exists without
the other. Workers send heartbeats; every worker also looks for jobs of workers that stopped sending
them (killed, machine lost) and queues those jobs again, so another worker finishes the plan.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from procrastinate import JobContext, exceptions
from procrastinate.job_context import AbortReason
from sqlalchemy import Connection, Engine, func, make_url, select, update
from sqlmodel import col

from app.jobs.execution import RunSettings, run_plan, worker_name
from app.jobs.kinds import TABLES, JobKind, table
from app.plans.models import PlanStatus

logger = logging.getLogger("planner.jobs")

QUEUE = "plans"
TASK = "planner.solve_plan"
PORTFOLIO_TASK = "planner.solve_portfolio"
TASKS: dict[JobKind, str] = {"plan": TASK, "portfolio": PORTFOLIO_TASK}


def conninfo(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy `postgresql+psycopg://` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_queue(database_url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
    app.task(name=TASK, queue=QUEUE, pass_context=True)(_solve_plan)
    app.task(name=PORTFOLIO_TASK, queue=QUEUE, pass_context=True)(_solve_portfolio)
    return app


def _raw(conn: Connection) -> Any:
    # procrastinate writes through the psycopg connection under the SQLAlchemy one: same transaction.
    return conn.connection.driver_connection


def turn(conn: Connection, plan_id: int, kind: JobKind = "plan") -> int:
    """How many plans and portfolios of the job's network are queued or running ahead of it."""
    own = table(kind)
    mine = conn.execute(select(col(own.network_id), col(own.created_at)).where(col(own.id) == plan_id)).one()
    ahead = 0
    for other_kind, other in TABLES.items():
        earlier = col(other.id) < plan_id if other_kind == kind else col(other.created_at) < mine.created_at
        ahead += int(
            conn.execute(
                select(func.count())
                .select_from(other)
                .where(
                    col(other.network_id) == mine.network_id,
                    col(other.status).in_([PlanStatus.queued.value, PlanStatus.running.value]),
                    earlier,
                )
            ).scalar_one()
        )
    return ahead


def defer(app: procrastinate.App, conn: Connection, plan_id: int, kind: JobKind = "plan") -> int:
    """Queue the job of a plan (or portfolio) inside the caller's transaction, and record the job on it.

    Networks take turns: the job's priority is minus the number of its network's plans and portfolios
    waiting ahead of it, so another network's first plan passes this network's second (procrastinate
    runs higher priorities first, then the oldest).
    """
    priority = -turn(conn, plan_id, kind)
    task = app.tasks[TASKS[kind]].configure(connection=_raw(conn), priority=priority)
    job_id = task.defer(**{f"{kind}_id": plan_id})
    rows = table(kind)
    conn.execute(update(rows).where(col(rows.id) == plan_id).values(job_id=job_id))
    return job_id


def cancel(app: procrastinate.App, conn: Connection, job_id: int) -> None:
    """Cancel a queued job, or ask the worker running it to abort, inside the caller's transaction."""
    app.job_manager.cancel_job_by_id(job_id, abort=True, connection=_raw(conn))


def _solve_plan(context: JobContext, plan_id: int) -> None:
    engine: Engine = context.additional_context["engine"]
    settings: RunSettings = context.additional_context["run_settings"]

    def requeue(conn: Connection, pid: int) -> None:
        defer(context.additional_context["deferrer"], conn, pid)

    run_plan(
        engine,
        plan_id,
        settings,
        # A user's cancel shows on the plan row; only a worker shutdown interrupts the run here.
        should_continue=lambda: context.abort_reason() is not AbortReason.SHUTDOWN,
        requeue=requeue,
        # A plan has one job at a time: a job run again after its worker died takes the plan over.
        take_over=True,
    )


def _solve_portfolio(context: JobContext, portfolio_id: int) -> None:
    def requeue(conn: Connection, pid: int) -> None:
        defer(context.additional_context["deferrer"], conn, pid, "portfolio")

    run_plan(
        context.additional_context["engine"],
        portfolio_id,
        context.additional_context["run_settings"],
        should_continue=lambda: context.abort_reason() is not AbortReason.SHUTDOWN,
        requeue=requeue,
        take_over=True,
        kind="portfolio",
    )


@dataclass
class WorkerSettings:
    concurrency: int = 1
    heartbeat_s: float = 10.0
    """Seconds between two heartbeats of a worker."""
    stalled_after_s: float = 60.0
    """A worker silent for this long is considered dead: its jobs are queued again."""
    poll_s: float = 5.0
    shutdown_grace_s: float = 10.0
    """On SIGTERM/SIGINT, seconds a running solve may take to finish before it is queued again."""
    run: RunSettings = field(default_factory=RunSettings)


async def _recover_stalled_jobs(app: procrastinate.App, settings: WorkerSettings) -> None:
    every = max(settings.heartbeat_s, settings.stalled_after_s / 3)
    while True:
        await asyncio.sleep(every)
        try:
            stalled = [
                job
                for task in TASKS.values()
                for job in await app.job_manager.get_stalled_jobs(
                    task_name=task, seconds_since_heartbeat=settings.stalled_after_s
                )
            ]
            for job in stalled:
                try:
                    await app.job_manager.retry_job(job)
                    logger.warning("job %s (%s): its worker stopped, queued again", job.id, job.task_kwargs)
                except exceptions.ConnectorException:
                    # Another worker queued it again first, or it finished meanwhile.
                    continue
            await app.job_manager.prune_stalled_workers(settings.stalled_after_s)
        except exceptions.ConnectorException:
            logger.exception("stalled-job check failed; trying again later")


async def run_worker(database_url: str, engine: Engine, settings: WorkerSettings) -> None:
    app = make_queue(database_url)
    async with app.open_async():
        recovery = asyncio.create_task(_recover_stalled_jobs(app, settings), name="recover stalled jobs")
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                name=worker_name(),
                concurrency=settings.concurrency,
                fetch_job_polling_interval=settings.poll_s,
                abort_job_polling_interval=settings.poll_s,
                update_heartbeat_interval=settings.heartbeat_s,
                stalled_worker_timeout=settings.stalled_after_s,
                shutdown_graceful_timeout=settings.shutdown_grace_s,
                additional_context={
                    "engine": engine,
                    "run_settings": settings.run,
                    # The worker's app is opened asynchronously; writing a job inside a plan's (sync)
                    # transaction takes an app whose connector is used synchronously.
                    "deferrer": make_queue(database_url),
                },
            )
        finally:
            recovery.cancel()
