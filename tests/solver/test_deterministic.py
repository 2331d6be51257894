"""Deterministic mode: the same problem and options give the same plan, run after run."""

from __future__ import annotations

import random

import solver
from tests.solver.reference import PAINT, problem, site, structure


def _instance(deterministic: bool, time_limit_s: float = 5) -> solver.PlanningProblem:
    rng = random.Random(7)
    sites = [
        site(f"S{i}", 48.85 + rng.uniform(0, 0.1), 2.35 + rng.uniform(0, 0.15), rng.randrange(40, 200, 10))
        for i in range(24)
    ]
    demand = sum(float(s["hours"]) for s in sites)
    structures = [
        structure(
            f"E{j}",
            rng.choice(["EI", "ACI", "EITI"]),
            48.85 + rng.uniform(0, 0.1),
            2.35 + rng.uniform(0, 0.15),
            {PAINT: round(demand * 1.4 / 7 * rng.uniform(0.6, 1.4))},
            can_lead=j % 2 == 0,
        )
        for j in range(7)
    ] + [structure(f"A{j}", "AI", 48.9, 2.4 + 0.05 * j, {PAINT: round(demand * 0.1)}) for j in range(2)]
    return problem(
        sites,
        structures,
        weights={"distance": 1, "balance": 1, "members": 1, "subcontracting": 0.5},
        max_members=5,
        time_limit_s=time_limit_s,
        gap_rel=1e-4,
        deterministic=deterministic,
    )


def test_deterministic_mode_gives_the_same_plan_twice() -> None:
    p = _instance(deterministic=True)
    first, second = solver.solve(p), solver.solve(p)
    assert first.groupings, first.diagnostics
    assert first.status == second.status
    assert [g.model_dump() for g in first.groupings] == [g.model_dump() for g in second.groupings]
    assert first.solver.bound == second.solver.bound


def test_deterministic_mode_keeps_the_rules_and_the_bound() -> None:
    # the same plan as the default mode would accept: every site covered, a bound below the objective
    plan = solver.solve(_instance(deterministic=True))
    best = plan.groupings[0]
    assert not best.uncovered
    assert len(best.members) <= 5
    assert plan.solver.bound is not None and plan.solver.objective is not None
    assert plan.solver.bound <= plan.solver.objective + 1e-9


def test_a_proven_plan_is_the_same_twice_in_a_row() -> None:
    # default mode: this instance is proven in well under a second; both solves give the same plan
    p = _instance(deterministic=False, time_limit_s=30)
    first, second = solver.solve(p), solver.solve(p)
    assert first.status == second.status == "optimal"
    assert [g.model_dump() for g in first.groupings] == [g.model_dump() for g in second.groupings]
