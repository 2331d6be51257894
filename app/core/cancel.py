"""Long exports and imports that stop when nobody waits for them any more.

An OCDS export or import, or a directory import, of 100 000 rows takes seconds. It runs in a worker
thread, off the event loop (`run_cancellable`), and checks between two chunks of rows whether its client
has gone or the server is stopping (a `CancelCheck`): it then stops at once, its transaction rolled
back, instead of holding a thread and a database connection to the end.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio
from starlette.requests import Request

from app.core.errors import Unavailable

T = TypeVar("T")

# How often the route looks whether its client has gone, in seconds.
POLL_S = 0.2


_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an exchange builds its rows.

    An export or import of 100 000 rows makes millions of dicts and lists that all live to its end:
    the collector would walk them again and again as they pile up (a third of the time of such an
    import). Reference counting still frees everything else at once. The pause is process-wide,
    counted across threads, and the collector resumes when the last exchange ends.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


class Cancelled(Exception):
    """The work was stopped before its end: its client went away, or the server is stopping."""


class CancelCheck:
    """Called between two chunks of work: raises `Cancelled` once the work is to stop."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self._event = event
        self.reason = "cancelled"

    def cancel(self, reason: str) -> None:
        if self._event is None:
            raise RuntimeError("this check cannot be cancelled")
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event is not None and self._event.is_set()

    def __call__(self) -> None:
        if self._event is not None and self._event.is_set():
            raise Cancelled(self.reason)


# For callers that never cancel (the CLI, the demo, tests of the services).
NEVER = CancelCheck()


async def run_cancellable(request: Request, work: Callable[[CancelCheck], T]) -> T:
    """Run `work` in a worker thread, cancelled when the client disconnects or the server stops.

    The event loop stays free meanwhile (other requests, the SIGTERM handling of `planner serve`).
    When the request's task is cancelled (the server's grace period on SIGTERM is over) or the client
    is gone, the work is told to stop and this waits for its thread to end, which takes at most one
    chunk of rows: the session it used is never closed under it.
    """
    check = CancelCheck(threading.Event())
    done = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with collector_paused():
                outcome.append(work(check))
        except BaseException as exc:  # handed over to the request's task, raised there
            failure.append(exc)
        finally:
            done.set()

    async def in_thread() -> None:
        await anyio.to_thread.run_sync(run)

    async with anyio.create_task_group() as group:
        group.start_soon(in_thread)
        try:
            while not done.is_set():
                if await request.is_disconnected():
                    check.cancel("the client closed the connection")
                    break
                await anyio.sleep(POLL_S)
        except BaseException:
            # The request's task is cancelled (the server's grace period is over): the work stops at
            # its next check, and the group waits for its thread.
            check.cancel("the server is stopping")
            raise
    if failure:
        if isinstance(failure[0], Cancelled):
            raise Unavailable(f"stopped before its end: {failure[0]}") from None
        raise failure[0]
    return outcome[0]
