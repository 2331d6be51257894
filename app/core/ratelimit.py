"""A limit on failed authentications per client address, against key guessing.

A client whose keys are refused `limit` times within `window_s` seconds is answered 429, with the
seconds to wait in `Retry-After`, until its oldest failure leaves the window. The count lives in
the API process (each of `planner serve --workers N` counts its own).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class FailedAuthLimiter:
    # Addresses remembered at most; beyond, the oldest are forgotten: a flood cannot grow memory.
    MAX_CLIENTS = 10_000

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> int | None:
        """Seconds the client must wait before trying a key again, or None when it may try now."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if failures is None or len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[-self.limit] + self.window_s - now))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if failures is None:
                if len(self._failures) >= self.MAX_CLIENTS:
                    del self._failures[next(iter(self._failures))]
                failures = self._failures[client] = deque(maxlen=self.limit)
            failures.append(now)
