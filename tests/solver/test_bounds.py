"""The reported lower bound never exceeds the plan's own objective (a bound above it is no bound)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver import PlanningProblem, solve
from solver import eligibility as eligibility_module
from solver.model import scales
from solver.strengthen import data_bound

DATA = Path(__file__).parent / "data"


def _bound_edge(time_limit_s: float) -> PlanningProblem:
    problem = PlanningProblem.model_validate_json((DATA / "bound-edge.problem.json").read_text())
    options = problem.options.model_copy(update={"time_limit_s": time_limit_s})
    return problem.model_copy(update={"options": options})


def test_bound_stays_below_the_plan_when_more_members_are_needed_than_allowed() -> None:
    # two 50,000 h sites no one can take and `max_members` 5: the fewest members covering the demand
    # exceed the cap, so every plan leaves sites uncovered; the bound must still hold
    problem = _bound_edge(2.0)
    plan = solve(problem)
    assert plan.groupings, plan.diagnostics
    best = plan.groupings[0]
    assert best.uncovered  # the two sites no one can take
    assert plan.solver.bound is not None and plan.solver.objective is not None
    assert plan.solver.bound <= plan.solver.objective + 1e-9
    assert plan.solver.bound <= best.objective + 1e-9
    if plan.status == "optimal":
        assert best.objective - plan.solver.bound <= 1e-4 * abs(best.objective) + 1e-9


def test_data_bound_counts_at_most_the_whole_members_term() -> None:
    # the members' share of the data bound is at most weight × 1 (as many members as allowed)
    problem = _bound_edge(2.0)
    elig = eligibility_module.compute(problem)
    full = scales(elig)
    with_members = data_bound(elig, full)
    weights = problem.options.weights
    no_members = problem.model_copy(
        update={
            "options": problem.options.model_copy(
                update={"weights": weights.model_copy(update={"members": 0.0})}
            )
        }
    )
    without = data_bound(eligibility_module.compute(no_members), full)
    assert 0.0 <= with_members - without <= weights.members + 1e-9


def test_relaxation_never_counts_a_negative_spread() -> None:
    # balance alone: the spread max − min of load ratios is never negative in a plan, so the linear
    # relaxation of the model (the engine's first bound) must not be negative either
    import pulp

    from solver import engine, model
    from tests.solver.reference import PAINT, problem, site, structure

    sites = [site(f"S{i}", 48.85 + 0.01 * i, 2.35 + 0.013 * (i % 3), 40 + 10 * i) for i in range(8)]
    structures = [
        structure(f"E{j}", "EI", 48.86 + 0.02 * j, 2.36, {PAINT: 150 + 40 * j}, can_lead=True)
        for j in range(5)
    ]
    p = problem(sites, structures, weights={"distance": 0, "balance": 1, "members": 0, "subcontracting": 0})
    built = model.build(eligibility_module.compute(p), "T1", nearest=None, strong=True)
    model.define_objective(built, with_balance=True)
    for v in built.prob.variables():
        v.cat = pulp.LpContinuous
    relaxed = engine.solve(built.prob, engine="highs", time_limit=10, gap_rel=1e-9, threads=None)
    assert relaxed.objective is not None
    assert relaxed.objective >= -1e-9


def test_gap_is_measured_against_the_positive_terms() -> None:
    # a large reward for subcontracting takes the objective near (or below) 0: the gap shown to people
    # is (objective − bound) ÷ the larger of |objective| and the objective with the reward added back
    from tests.solver.reference import PAINT, problem, site, structure

    sites = [site(f"S{i}", 48.85 + 0.01 * i, 2.35 + 0.02 * (i % 4), 60 + 20 * i) for i in range(10)]
    structures = [
        structure(f"E{j}", "EI", 48.86 + 0.015 * j, 2.37, {PAINT: 400 + 50 * j}, can_lead=True)
        for j in range(4)
    ] + [structure("A1", "AI", 48.88, 2.4, {PAINT: 2000})]
    weights = {"distance": 1, "balance": 1, "members": 1, "subcontracting": 2}
    p = problem(sites, structures, weights=weights, max_members=3, time_limit_s=20, gap_rel=1e-4)
    plan = solve(p)
    best = plan.groupings[0]
    s = plan.solver
    assert s.bound is not None and s.objective is not None and s.gap is not None
    total = sum(float(x["hours"]) for x in sites)
    reward = weights["subcontracting"] * best.terms.staffing_hours / total
    assert reward > 0
    reference = max(abs(s.objective), s.objective + reward)
    assert s.gap == pytest.approx(max(0.0, s.objective - s.bound) / reference, abs=1e-12)
    assert s.bound <= s.objective + 1e-9
    # the figure itself, for a bound 0.01 below this plan: 0.01 ÷ the positive terms, not ÷ |objective|
    from solver import engine, stages

    elig = eligibility_module.compute(p)
    figure = engine.relative_gap(
        best.objective, best.objective - 0.01, stages.gap_reference(elig, scales(elig).hours, best)
    )
    assert figure == pytest.approx(0.01 / (best.objective + reward))
    assert best.objective + reward > 2 * abs(best.objective)  # the reward does take the objective near 0
