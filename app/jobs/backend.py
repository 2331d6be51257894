"""Where a plan's job goes: the embedded runner (SQLite default) or procrastinate workers (PostgreSQL).

The mode follows the database: `auto` picks the embedded runner on SQLite and the workers on
PostgreSQL; `embedded` or `workers` force one (workers need PostgreSQL).
"""

from __future__ import annotations

from typing import Literal, Protocol

from sqlalchemy import Connection, Engine

from app.core.config import WORKERS_NEED_POSTGRESQL
from app.jobs import queue
from app.jobs.runner import EmbeddedRunner

JobsMode = Literal["auto", "embedded", "workers"]


class PlanJobs(Protocol):
    mode: str

    def enqueue(self, conn: Connection, plan_id: int) -> None:
        """Queue the plan's job inside the transaction that writes the plan."""

    def enqueue_portfolio(self, conn: Connection, portfolio_id: int) -> None:
        """Queue a portfolio's job inside the transaction that writes the portfolio."""

    def cancel(self, conn: Connection, job_id: int | None) -> None:
        """Withdraw the job of a plan being cancelled, inside the cancelling transaction."""

    def committed(self) -> None:
        """Called after a plan was queued and committed."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class EmbeddedJobs:
    """The plans and portfolios tables are the queue; the runner in this process polls it and is woken
    on each plan or portfolio."""

    mode = "embedded"

    def __init__(self, runner: EmbeddedRunner) -> None:
        self.runner = runner

    def enqueue(self, conn: Connection, plan_id: int) -> None:
        pass

    def enqueue_portfolio(self, conn: Connection, portfolio_id: int) -> None:
        pass

    def cancel(self, conn: Connection, job_id: int | None) -> None:
        # The run watches its plan row: the cancelled status alone stops the solve.
        pass

    def committed(self) -> None:
        self.runner.wake()

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop()


class WorkerJobs:
    """Jobs in procrastinate's queue, run by `planner worker` processes on any machine."""

    mode = "workers"

    def __init__(self, database_url: str) -> None:
        self.app = queue.make_queue(database_url)

    def enqueue(self, conn: Connection, plan_id: int) -> None:
        queue.defer(self.app, conn, plan_id)

    def enqueue_portfolio(self, conn: Connection, portfolio_id: int) -> None:
        queue.defer(self.app, conn, portfolio_id, "portfolio")

    def cancel(self, conn: Connection, job_id: int | None) -> None:
        if job_id is not None:
            queue.cancel(self.app, conn, job_id)

    def committed(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def resolve_mode(mode: JobsMode, database_url: str) -> Literal["embedded", "workers"]:
    on_sqlite = database_url.startswith("sqlite")
    if mode == "auto":
        return "embedded" if on_sqlite else "workers"
    if mode == "workers" and on_sqlite:
        raise ValueError(WORKERS_NEED_POSTGRESQL)
    return mode


def make_jobs(mode: JobsMode, database_url: str, engine: Engine, *, runner_concurrency: int = 1) -> PlanJobs:
    if resolve_mode(mode, database_url) == "workers":
        return WorkerJobs(database_url)
    return EmbeddedJobs(EmbeddedRunner(engine, concurrency=runner_concurrency))
