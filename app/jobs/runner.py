"""The embedded runner: solves queued plans and portfolios inside `planner serve`, one child process
per solve.

The plans and portfolios tables are the queue, so nothing is lost when the server stops: those found
`queued` or `running` when the runner starts (left by a previous process) are solved again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, Select, func, literal, nulls_first, select, union_all, update
from sqlmodel import col

from app.jobs.execution import RunSettings, run_plan
from app.jobs.kinds import TABLES, JobKind
from app.plans.models import PlanStatus

logger = logging.getLogger("planner.jobs")


def fair_next_job() -> Select[Any]:
    """The queued plan or portfolio to solve next (`kind`, `id`), in turns between networks.

    The network served least recently goes first (one that never had a plan or portfolio started
    before any other), then its oldest queued job: a network's job never waits behind all the jobs of
    another network.
    """
    starts = union_all(
        *(
            select(col(t.network_id).label("network_id"), col(t.started_at).label("started_at"))
            for t in TABLES.values()
        )
    ).subquery()
    queued = union_all(
        *(
            select(
                literal(kind).label("kind"),
                col(t.id).label("id"),
                col(t.network_id).label("network_id"),
                col(t.created_at).label("created_at"),
            ).where(col(t.status) == PlanStatus.queued.value)
            for kind, t in TABLES.items()
        )
    ).subquery()
    last_start = (
        select(func.max(starts.c.started_at))
        .where(starts.c.network_id == queued.c.network_id)
        .scalar_subquery()
    )
    return (
        select(queued.c.kind, queued.c.id)
        .order_by(nulls_first(last_start), queued.c.created_at, queued.c.kind, queued.c.id)
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
            orphans = sum(
                conn.execute(
                    update(t)
                    .where(col(t.status) == PlanStatus.running.value)
                    .values(status=PlanStatus.queued.value, run_id=None, worker=None)
                ).rowcount
                for t in TABLES.values()
            )
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

    def _next_queued(self) -> tuple[JobKind, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(fair_next_job()).first()
        return None if row is None else (row.kind, row.id)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                found = self._next_queued()
                if found is None:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                with self._lock:
                    self._active += 1
                try:
                    run_plan(
                        self.engine,
                        found[1],
                        self.run_settings,
                        should_continue=lambda: not self._stopping.is_set(),
                        kind=found[0],
                    )
                finally:
                    with self._lock:
                        self._active -= 1
            except Exception:
                # A database hiccup must not end the runner: log it and try again at the next poll.
                logger.exception("embedded runner: error while running plans")
                self._stopping.wait(self.poll_s)
