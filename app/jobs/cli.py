"""`planner worker`: a process that solves queued plans (production mode, PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from app.core.cli import fail, load_settings, unreachable
from app.core.db import make_engine
from app.jobs.execution import RunSettings
from app.jobs.queue import WorkerSettings, run_worker


def worker_command(
    concurrency: Annotated[
        int,
        typer.Option(min=1, max=64, envvar="WORKER_CONCURRENCY", help="plans solved at once by this worker"),
    ] = 1,
    heartbeat: Annotated[
        float, typer.Option(min=0.1, envvar="WORKER_HEARTBEAT_S", help="seconds between two heartbeats")
    ] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            min=0.5,
            envvar="WORKER_STALLED_AFTER_S",
            help="seconds without heartbeat after which a worker is taken for dead, its plans solved again",
        ),
    ] = 60.0,
    poll: Annotated[
        float, typer.Option(min=0.1, envvar="WORKER_POLL_S", help="seconds between two looks at the queue")
    ] = 5.0,
    shutdown_grace: Annotated[
        float,
        typer.Option(
            min=0,
            envvar="WORKER_SHUTDOWN_GRACE_S",
            help="on SIGTERM, seconds a running solve may take to end before its plan is queued again",
        ),
    ] = 10.0,
    nice: Annotated[
        int,
        typer.Option(
            min=0,
            max=19,
            envvar="WORKER_SOLVER_NICE",
            help="niceness of the solvers: 10 lets the API and database go first, 0 on a solver machine",
        ),
    ] = 10,
    progress_every: Annotated[
        float, typer.Option(min=0.1, envvar="WORKER_PROGRESS_S", help="least seconds between progress writes")
    ] = 1.0,
) -> None:
    """Solve queued plans from the PostgreSQL job queue; start as many workers as there are cores to use."""
    settings = load_settings()
    if settings.is_sqlite:
        raise fail(
            "DATABASE_URL : planner worker demande une base PostgreSQL ; sur la base SQLite embarquée, "
            "`planner serve` résout lui-même les plans",
            code=2,
        )
    engine = make_engine(settings)
    try:
        ready = inspect(engine).has_table("procrastinate_jobs")
    except SQLAlchemyError as exc:
        raise unreachable(exc) from None
    if not ready:
        raise fail("base de données sans file de calcul : lancer d'abord `planner migrate`", code=1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = WorkerSettings(
        concurrency=concurrency,
        heartbeat_s=heartbeat,
        stalled_after_s=stalled_after,
        poll_s=poll,
        shutdown_grace_s=shutdown_grace,
        run=RunSettings(progress_interval_s=progress_every, niceness=nice),
    )
    try:
        asyncio.run(run_worker(settings.database_url, engine, worker))
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
