"""Solving in a child process: the same plan as in-process, progress on the way, stop on demand."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from app.jobs.child import solve_in_child
from solver import solve
from solver.problem import PlanningProblem
from tests.plans import scenario


def problem(sites: int, co_contractors: int, time_limit_s: float, alternatives: int = 1) -> PlanningProblem:
    tender = scenario.tender(sites)
    total = sum(site["hours"] for lot in tender["lots"] for site in lot["sites"])
    structures = [
        dict(body, id=str(index + 1))
        for index, body in enumerate(scenario.structures(co_contractors, 2, total_hours=total))
    ]
    options = {"time_limit_s": time_limit_s, "alternatives": alternatives}
    return PlanningProblem.model_validate({"tender": tender, "structures": structures, "options": options})


def test_child_gives_the_plan_of_a_direct_solve() -> None:
    small = problem(6, 4, 20, alternatives=2)
    outcome = solve_in_child(small.model_dump_json(), on_tick=lambda _: True)
    assert outcome.kind == "done" and outcome.plan is not None
    direct = json.loads(solve(small).to_json())
    assert outcome.plan["status"] == direct["status"] == "optimal"
    groupings = [
        (g["mandataire"], sorted(m["structure"] for m in g["members"])) for g in outcome.plan["groupings"]
    ]
    assert groupings == [
        (g["mandataire"], sorted(m["structure"] for m in g["members"])) for g in direct["groupings"]
    ]


def test_stopping_terminates_the_solver_and_reports_progress_first() -> None:
    big = problem(130, 20, time_limit_s=60)
    seen: list[dict[str, Any]] = []
    began = time.monotonic()

    def on_tick(latest: dict[str, Any] | None) -> bool:
        if latest:
            seen.append(latest)
        return not any(report.get("objective") is not None for report in seen)

    outcome = solve_in_child(big.model_dump_json(), on_tick=on_tick, tick_s=0.2)
    assert outcome.kind == "stopped"
    assert time.monotonic() - began < 45, "the solve was stopped before its 60 s limit"
    assert any(report.get("objective") is not None and report.get("stage") for report in seen)
    assert multiprocessing.active_children() == []


def test_a_killed_solver_fails_with_a_reason() -> None:
    big = problem(130, 20, time_limit_s=60)
    killed = threading.Event()

    def on_tick(_: dict[str, Any] | None) -> bool:
        if not killed.is_set():
            for child in multiprocessing.active_children():
                if child.name == "planner-solve" and child.pid:
                    os.kill(child.pid, signal.SIGKILL)
                    killed.set()
        return True

    outcome = solve_in_child(big.model_dump_json(), on_tick=on_tick, tick_s=0.2)
    assert outcome.kind == "failed"
    assert outcome.reason == "the solving process stopped unexpectedly (exit code -9)"
