"""The demo's steps: load the scenarios, plan each one as the service does, write the files.

A scenario is planned exactly as `POST /tenders/{id}/plans` plans it: the plans service stores the
problem built from the database, and the job runner's `run_plan` solves it in a child process and
records the result. The demo runs that job here, in the foreground, instead of queueing it for
`planner serve` or a worker, and reads the job's progress from the plan as a client would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.core.errors import Conflict
from app.demo.loader import Loaded, LoadedScenario, load
from app.demo.scenarios import scenario_record
from app.jobs.execution import RunSettings, run_plan
from app.plans import service as plans
from app.plans.models import Plan as PlanRow
from solver.plan import Plan
from solver.problem import PlanningProblem

# Seconds per scenario: enough for a grouping within a few per cent of the best on two cores for
# replacement and textile; painting (130 collèges, 14 members, 5 AI) gets the most.
TIME_LIMITS = {"painting": 40.0, "replacement": 20.0, "textile": 10.0}
POLL_S = 0.2

ProgressCallback = Callable[[dict[str, Any]], None]


class _SolvedHere:
    """The plans service's job backend for the demo: the job is run in the foreground, not queued."""

    mode = "demo"

    def enqueue(self, conn: Connection, plan_id: int) -> None:
        pass

    def enqueue_portfolio(self, conn: Connection, portfolio_id: int) -> None:
        pass

    def cancel(self, conn: Connection, job_id: int | None) -> None:
        pass

    def committed(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class ScenarioPlan:
    name: str
    plan_id: int
    status: str
    reason: str | None
    problem: PlanningProblem
    problem_data: dict[str, Any]
    plan: Plan | None
    not_invited: list[str]
    story: str


def load_scenarios(engine: Engine, names: list[str]) -> Loaded:
    with Session(engine) as session:
        return load(session, [scenario_record(name) for name in names])


def plan_scenario(
    engine: Engine,
    loaded: Loaded,
    scenario: LoadedScenario,
    time_limit_s: float,
    on_progress: ProgressCallback | None = None,
    *,
    deterministic: bool = False,
) -> ScenarioPlan:
    """Request a plan of the scenario's tender and run its job until it is done; `deterministic`
    plans with the solver's deterministic mode (the same plan on every run)."""
    excluded = loaded.excluded(scenario)
    # Only the structures the scenario invites may answer: the network's others are excluded by name.
    options = scenario.scenario.options.model_copy(
        update={"time_limit_s": time_limit_s, "excluded": excluded, "deterministic": deterministic}
    )
    with Session(engine) as session:
        row = plans.create(session, _SolvedHere(), loaded.network_id, scenario.tender_id, options)
        assert row.id is not None
        plan_id = row.id

    stop = threading.Event()
    finished = threading.Event()
    failure: list[BaseException] = []

    def job() -> None:
        try:
            run_plan(
                engine,
                plan_id,
                RunSettings(progress_interval_s=POLL_S),
                should_continue=lambda: not stop.is_set(),
            )
        except BaseException as error:  # handed to the main thread, which reports it
            failure.append(error)
        finally:
            finished.set()

    worker = threading.Thread(target=job, name=f"demo-{scenario.scenario.name}", daemon=True)
    worker.start()
    try:
        while not finished.wait(POLL_S):
            if on_progress is not None:
                with Session(engine) as session:
                    current = session.get(PlanRow, plan_id)
                    if current is not None and current.progress:
                        on_progress(dict(current.progress))
    except KeyboardInterrupt:
        stop.set()
        worker.join()
        with Session(engine) as session, suppress(Conflict):
            # Left queued, the plan would be solved by the next `planner serve` on this database;
            # the Conflict is a plan that already ended (its solver was interrupted too).
            plans.cancel(session, _SolvedHere(), loaded.network_id, plan_id)
        raise
    worker.join()
    if failure:
        raise failure[0]
    with Session(engine) as session:
        done = session.get(PlanRow, plan_id)
        assert done is not None
        result = Plan.model_validate(done.result) if done.result else None
        return ScenarioPlan(
            name=scenario.scenario.name,
            plan_id=plan_id,
            status=done.status,
            reason=done.reason,
            problem=PlanningProblem.model_validate(done.problem),
            problem_data=done.problem,
            plan=result,
            not_invited=excluded,
            story=scenario.scenario.story,
        )


def write_files(out: Path, planned: ScenarioPlan) -> list[Path]:
    """`NAME.problem.json` (re-solvable with `planner solve`) and `NAME.plan.json`."""
    out.mkdir(parents=True, exist_ok=True)
    problem_path = out / f"{planned.name}.problem.json"
    problem_path.write_text(json.dumps(planned.problem_data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    written = [problem_path]
    if planned.plan is not None:
        plan_path = out / f"{planned.name}.plan.json"
        plan_path.write_text(planned.plan.to_json() + "\n", encoding="utf-8")
        written.append(plan_path)
    return written
