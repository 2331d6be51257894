"""Plan fixtures: keys, a small tender with its structures, and the process that solves plans.

On SQLite the embedded runner of the test app solves plans. On PostgreSQL (TEST_DATABASE_URL) plans
go to procrastinate's queue and real `planner worker` processes, started here, solve them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.config import Settings
from tests.plans import scenario

Headers = dict[str, str]
# Short heartbeats so that a killed worker is noticed within seconds, not the production minute.
FAST_WORKER = [
    *("--heartbeat", "0.5", "--stalled-after", "3", "--poll", "0.5"),
    *("--progress-every", "0.5", "--shutdown-grace", "1"),
]


@pytest.fixture(autouse=True)
def _empty_after(db: Engine, settings: Settings) -> Iterator[None]:
    """Every plan test starts from and leaves an empty database, job queue included."""
    yield
    if not settings.is_sqlite:
        with db.begin() as conn:
            conn.execute(text("DELETE FROM procrastinate_jobs"))
            conn.execute(text("DELETE FROM procrastinate_workers"))


class Worker:
    """A `planner worker` process on the test database."""

    def __init__(self, settings: Settings, log: Path) -> None:
        env = {**os.environ, "DATABASE_URL": settings.database_url}
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", "worker", *FAST_WORKER],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(settings, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def solving(settings: Settings, start_worker: Callable[[], Worker]) -> None:
    """Something solves queued plans: the app's embedded runner, or one worker process on PostgreSQL."""
    if not settings.is_sqlite:
        start_worker()


def add_structures(client: TestClient, headers: Headers, bodies: list[dict[str, Any]]) -> list[str]:
    ids = []
    for body in bodies:
        answer = client.post("/api/v1/structures", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        ids.append(str(answer.json()["id"]))
    return ids


def add_tender(client: TestClient, headers: Headers, body: dict[str, Any]) -> int:
    answer = client.post("/api/v1/tenders", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    tender_id: int = answer.json()["id"]
    return tender_id


@pytest.fixture
def small_tender(client: TestClient, coordinator: Headers) -> int:
    """Six collèges and four co-contractors with an AI: solved to optimality in well under a second."""
    body = scenario.tender(6, reference="CD93-PEINT-S")
    total = sum(site["hours"] for lot in body["lots"] for site in lot["sites"])
    add_structures(client, coordinator, scenario.structures(4, 1, total_hours=total))
    return add_tender(client, coordinator, body)


@pytest.fixture
def big_tender(client: TestClient, coordinator: Headers) -> int:
    """The seed's scale (130 collèges, 20 co-contractors, 5 AI): the solver uses its whole time limit."""
    body, structures = scenario.seed_scale()
    add_structures(client, coordinator, structures)
    return add_tender(client, coordinator, body)


def wait_for(
    client: TestClient,
    headers: Headers,
    plan_id: int,
    until: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        plan: dict[str, Any] = client.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
        if until(plan):
            return plan
        assert time.monotonic() < deadline, f"plan {plan_id} still {plan['status']} after {timeout} s: {plan}"
        time.sleep(0.2)


def finished(plan: dict[str, Any]) -> bool:
    return plan["status"] in ("done", "failed", "cancelled")


def queue_plan(client: TestClient, headers: Headers, tender_id: int, **options: Any) -> dict[str, Any]:
    answer = client.post(f"/api/v1/tenders/{tender_id}/plans", json={"options": options}, headers=headers)
    assert answer.status_code == 202, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def solver_processes(parent: int) -> set[int]:
    """The solving processes a runner or worker started (Linux: read from /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                found.add(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
