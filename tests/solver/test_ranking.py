"""Groupings come ranked best first, even when the search for the first one stopped early."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import solver
from solver import model, stages
from solver.engine import EngineResult
from solver.start import greedy_start
from tests.solver.reference import PAINT, problem, site, structure

ALL = {"distance": 1, "balance": 1, "members": 1, "subcontracting": 0}


def test_a_better_alternative_found_later_is_ranked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # three collèges on a line; the leader far away from two of them: its greedy plan is poor
    sites = [site(f"C{i}", 48.90 + 0.02 * i, 2.45, 100) for i in range(3)]
    structures = [
        structure("far", "EI", 48.98, 2.45, {PAINT: 400}, can_lead=True),
        structure("near", "EI", 48.90, 2.45, {PAINT: 400}, can_lead=True),
    ]
    real = stages.best_grouping
    calls: list[int] = []

    def stopped_early(built: model.Model, budget: float, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            return real(built, budget, *args, **kwargs)
        # the time limit ran out on the first grouping with only the starting plan in hand
        for var in built.prob.variables():
            var.varValue = 0.0
        values = greedy_start(built)
        for var in built.prob.variables():
            var.varValue = values.get(var.name, 0.0)
        return EngineResult("feasible", 10.0, 0.0, 1.0, 0.0, "HiGHS"), []

    monkeypatch.setattr(stages, "best_grouping", stopped_early)
    plan = solver.solve(problem(sites, structures, alternatives=2, weights=ALL))
    assert len(plan.groupings) == 2
    objectives = [g.objective for g in plan.groupings]
    assert objectives == sorted(objectives) and objectives[0] < objectives[1]
    assert [g.rank for g in plan.groupings] == [1, 2]
    assert plan.solver.objective == pytest.approx(objectives[0])
    assert plan.status == "feasible"  # the only bound is 0 here: nothing proven


def test_library_solve_prints_nothing_on_stdout() -> None:
    script = (
        "import solver\n"
        "from tests.solver.reference import PAINT, problem, site, structure\n"
        "p = problem([site('C', 48.9, 2.45, 100)], "
        "[structure('e', 'EI', 48.9, 2.45, {PAINT: 400}, can_lead=True)])\n"
        "assert solver.solve(p).status == 'optimal'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout == ""


def test_the_plan_returned_is_the_engine_best_not_the_starting_one() -> None:
    # the starting plan sends S0 to E1, 9 km away; E2 sits on S0 and has room for it
    sites = [
        site("S0", 48.85, 2.35, 10),
        site("S1", 48.975, 2.35, 61),
        site("S2", 48.85, 2.35, 61),
        site("S3", 48.85, 2.35, 62),
    ]
    structures = [
        structure("E0", "EI", 48.975, 2.35, {PAINT: 61}, can_lead=True),
        structure("E1", "EI", 48.85, 2.475, {PAINT: 184}),
        structure("E2", "EI", 48.85, 2.35, {PAINT: 60}),
    ]
    plan = solver.solve(problem(sites, structures, weights={"distance": 1, "members": 0, "balance": 0}))
    assert plan.status == "optimal"
    chosen = {a.site: a.structure for a in plan.groupings[0].assignments}
    assert chosen == {"S0": "E2", "S1": "E0", "S2": "E1", "S3": "E1"}
    assert plan.groupings[0].objective == pytest.approx(plan.solver.objective)
