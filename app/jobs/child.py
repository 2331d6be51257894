"""Solving one planning problem in a separate process.

The solve runs in a child process (spawn context) so that the process serving the API or polling the
queue stays responsive, and so that a cancelled solve can be stopped at once by terminating it. The
child only computes: it sends progress and the final plan back through a pipe and never touches the
database, so a child left behind by a dead parent cannot corrupt a plan (it also exits by itself as
soon as it sees that its parent is gone).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

_PARENT_WATCH_INTERVAL_S = 0.5
# By default solving yields the processor to the API and the database it shares a machine with, so a
# request is answered at once even while every core is solving.
SOLVER_NICENESS = 10


@dataclass
class Outcome:
    """How a solve in the child process ended."""

    kind: Literal["done", "failed", "stopped"]
    plan: dict[str, Any] | None = None
    reason: str | None = None


def progress_fields(report: dict[str, Any]) -> dict[str, Any]:
    """The figures a plan shows while solving, from one report of the solver's progress callback."""
    fields: dict[str, Any] = {"stage": report.get("stage")}
    for name in ("objective", "bound", "gap"):
        value = report.get(name)
        if isinstance(value, int | float):
            fields[name] = float(value)
    return fields


def _watch_parent(parent_pid: int) -> None:
    # A SIGKILLed parent cannot stop its child: the child notices it was re-parented and leaves, so a
    # dead worker does not keep a core busy while another worker solves the same plan again.
    while True:
        time.sleep(_PARENT_WATCH_INTERVAL_S)
        if os.getppid() != parent_pid:
            os._exit(3)


def _solve(problem_json: str, kind: str, on_progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The plan of a planning problem, or the answer of a portfolio (several tenders in one model)."""
    if kind == "portfolio":
        from solver import portfolio
        from solver.portfolio_spec import PortfolioProblem

        whole = portfolio.solve(PortfolioProblem.model_validate_json(problem_json), progress=on_progress)
        return whole.model_dump(mode="json", by_alias=True)
    from solver import solve
    from solver.problem import PlanningProblem

    plan = solve(PlanningProblem.model_validate_json(problem_json), progress=on_progress)
    return plan.model_dump(mode="json", by_alias=True)


def _child_main(problem_json: str, conn: Connection, parent_pid: int, niceness: int, kind: str) -> None:
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)

    def on_progress(report: dict[str, Any]) -> None:
        # The engine already reports sparingly; the parent merges reports and throttles its writes.
        conn.send(("progress", progress_fields(report)))

    try:
        conn.send(("done", _solve(problem_json, kind, on_progress)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


Tick = Callable[[dict[str, Any] | None], bool]


def solve_in_child(
    problem_json: str,
    *,
    on_tick: Tick,
    tick_s: float = 0.5,
    deadline_s: float | None = None,
    niceness: int = SOLVER_NICENESS,
    kind: str = "plan",
) -> Outcome:
    """Solve in a child process; call `on_tick(latest progress or None)` at least every `tick_s`.

    `on_tick` returns False to stop the solve (the plan was cancelled or taken over): the child is
    terminated and the outcome is `stopped`. `deadline_s` bounds the wall time of a solver that does
    not honour its own time limit.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child_main,
        args=(problem_json, sender, os.getpid(), niceness, kind),
        name="planner-solve",
        daemon=True,
    )
    process.start()
    sender.close()
    started = time.monotonic()
    try:
        while True:
            latest: dict[str, Any] | None = None
            message: tuple[str, Any] | None = None
            try:
                while receiver.poll(tick_s if latest is None else 0):
                    kind, payload = receiver.recv()
                    if kind == "progress":
                        latest = {**(latest or {}), **payload}
                    else:
                        message = (kind, payload)
                        break
            except EOFError:
                process.join(5)
                return Outcome(
                    "failed",
                    reason=f"the solving process stopped unexpectedly (exit code {process.exitcode})",
                )
            if message is not None:
                kind, payload = message
                if kind == "done":
                    return Outcome("done", plan=payload)
                return Outcome("failed", reason=f"the solver raised an error: {payload}")
            if not on_tick(latest):
                return Outcome("stopped")
            if deadline_s is not None and time.monotonic() - started > deadline_s:
                return Outcome(
                    "failed", reason=f"the solver did not stop within {deadline_s:.0f} s, it was terminated"
                )
    finally:
        receiver.close()
        _stop(process)


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(3)
    if process.is_alive():
        process.kill()
    process.join(3)
