"""The embedded runner: solves queued plans inside `planner serve`, one child process per solve.

The plans table is the queue, so nothing is lost when the server stops: plans found `queued` or
`running` when the runner starts (left by a previous process) are solved again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, Select, func, nulls_first, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.jobs.execution import RunSettings, run_plan
from app.plans.models import Plan, PlanStatus

logger = logging.getLogger("planner.jobs")


def fair_next_plan() -> Select[Any]:
    """The queued plan to solve next, in turns between networks.

    The network served least recently goes first (one that never had a plan started before any
    other), then its oldest queued plan: a network's plan never waits behind all the plans of
    another network.
    """
    served = aliased(Plan)
    last_start = (
        select(func.max(served.started_at))
        .where(col(served.network_id) == col(Plan.network_id))
        .scalar_subquery()
    )
    return (
        select(col(Plan.id))
        .where(col(Plan.status) == PlanStatus.queued.value)
        .order_by(nulls_first(last_start), col(Plan.id))
        .limit(1)
    )


class EmbeddedRunner:
    def __init__(
        self,
        engine: Engine,
        *,
        concurrency: int = 1,
        poll_s: float = 2.0,
        run_settings: RunSettings | None = None,
    ) -> None:
        self.engine = engine
        self.concurrency = concurrency
        self.poll_s = poll_s
        self.run_settings = run_settings or RunSettings()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> int:
        """Number of plans being solved right now."""
        return self._active

    def start(self) -> None:
        self._stopping.clear()
        with self.engine.begin() as conn:
            # This process is the only embedded runner of its database: a plan still `running` was
            # cut short by the previous process, so it is queued again.
            orphans = conn.execute(
                update(Plan)
                .where(col(Plan.status) == PlanStatus.running.value)
                .values(status=PlanStatus.queued.value, run_id=None, worker=None)
            ).rowcount
        if orphans:
            logger.info("%s interrupted plan(s) queued again", orphans)
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._loop, name=f"planner-runner-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Look for queued plans now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _next_queued(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(fair_next_plan()).scalar_one_or_none()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                plan_id = self._next_queued()
                if plan_id is None:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                with self._lock:
                    self._active += 1
                try:
                    run_plan(
                        self.engine,
                        plan_id,
                        self.run_settings,
                        should_continue=lambda: not self._stopping.is_set(),
                    )
                finally:
                    with self._lock:
                        self._active -= 1
            except Exception:
                # A database hiccup must not end the runner: log it and try again at the next poll.
                logger.exception("embedded runner: error while running plans")
                self._stopping.wait(self.poll_s)
