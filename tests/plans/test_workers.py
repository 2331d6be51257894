"""Production mode on PostgreSQL: real `planner worker` processes, a plan and its job written together,
a worker killed in the middle of a solve, a worker stopped by SIGTERM.

These tests need PostgreSQL (procrastinate's queue lives there): they run when TEST_DATABASE_URL is set,
as the CI script does for its second pass.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlmodel import col

from app.core.config import Settings
from app.jobs.backend import WorkerJobs
from app.plans.models import Plan
from tests.plans.conftest import Headers, Worker, alive, finished, queue_plan, solver_processes, wait_for


@pytest.fixture(autouse=True)
def _postgresql_only(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip(
            "procrastinate workers need PostgreSQL: set TEST_DATABASE_URL (the CI's second pass does)"
        )


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_plan_and_its_job_are_written_in_one_transaction(
    app: FastAPI, engine: Engine, client: TestClient, coordinator: Headers, small_tender: int
) -> None:
    plan = queue_plan(client, coordinator, small_tender)
    with engine.connect() as conn:
        job_id = conn.execute(select(col(Plan.job_id)).where(col(Plan.id) == plan["id"])).scalar_one()
        job = conn.execute(
            text("SELECT status, args, task_name FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        ).one()
    assert (job.status, job.args, job.task_name) == ("todo", {"plan_id": plan["id"]}, "planner.solve_plan")

    # A failure after the job is queued but before the commit leaves neither the plan nor the job.
    jobs = app.state.plan_jobs
    assert isinstance(jobs, WorkerJobs)
    plans_before, jobs_before = _count(engine, "plan"), _count(engine, "procrastinate_jobs")
    real_enqueue = jobs.enqueue

    def enqueue_then_fail(conn: object, plan_id: int) -> None:
        real_enqueue(conn, plan_id)  # type: ignore[arg-type]
        raise RuntimeError("the request failed after queueing the job")

    jobs.enqueue = enqueue_then_fail  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            client.post(f"/api/v1/tenders/{small_tender}/plans", json={}, headers=coordinator)
    finally:
        del jobs.enqueue
    assert (_count(engine, "plan"), _count(engine, "procrastinate_jobs")) == (plans_before, jobs_before)


def test_a_killed_worker_plan_is_finished_by_another_worker(
    engine: Engine,
    client: TestClient,
    coordinator: Headers,
    big_tender: int,
    start_worker: Callable[[], Worker],
) -> None:
    plan = queue_plan(client, coordinator, big_tender, time_limit_s=8)
    first = start_worker()
    name = f"{socket.gethostname()}:{first.pid}"
    wait_for(
        client,
        coordinator,
        plan["id"],
        lambda p: p["status"] == "running" and (p["progress"] or {}).get("elapsed_s", 0) >= 1,
        timeout=60,
    )
    with engine.connect() as conn:
        assert conn.execute(select(col(Plan.worker)).where(col(Plan.id) == plan["id"])).scalar_one() == name
    solvers = solver_processes(first.pid)
    assert solvers, "the worker solves in a child process"

    first.kill()
    second = start_worker()
    done = wait_for(client, coordinator, plan["id"], finished, timeout=90)
    assert done["status"] == "done", done
    assert done["attempts"] == 2
    assert done["result"]["groupings"], done["result"]
    with engine.connect() as conn:
        worker = conn.execute(select(col(Plan.worker)).where(col(Plan.id) == plan["id"])).scalar_one()
    # The worker marks its job finished just after the plan is written: give it that moment.
    deadline = time.monotonic() + 10
    while True:
        with engine.connect() as conn:
            jobs = conn.execute(text("SELECT status, attempts FROM procrastinate_jobs")).all()
        if any(job.status != "doing" for job in jobs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert worker == f"{socket.gethostname()}:{second.pid}"
    assert [(job.status, job.attempts) for job in jobs] == [("succeeded", 2)]  # one job, run twice
    # The dead worker's solver noticed it was orphaned and stopped instead of solving on for nothing.
    assert not any(alive(pid) for pid in solvers)


def test_a_stopped_worker_hands_its_plan_back(
    engine: Engine,
    client: TestClient,
    coordinator: Headers,
    big_tender: int,
    start_worker: Callable[[], Worker],
) -> None:
    plan = queue_plan(client, coordinator, big_tender, time_limit_s=6)
    first = start_worker()
    wait_for(client, coordinator, plan["id"], lambda p: p["status"] == "running", timeout=60)
    began = time.monotonic()
    first.stop()  # SIGTERM: the solve gets a 1 s grace, then the plan is queued again with a new job
    assert time.monotonic() - began < 25
    queued = client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).json()
    assert queued["status"] == "queued", queued

    start_worker()
    done = wait_for(client, coordinator, plan["id"], finished, timeout=90)
    assert done["status"] == "done" and done["attempts"] == 2
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM procrastinate_jobs ORDER BY id")).scalars().all()
        assert conn.execute(select(func.count()).select_from(Plan)).scalar_one() == 1
    assert statuses[-1] == "succeeded" and len(statuses) == 2, statuses
