"""The Lagrangian bound of large tenders (`solver.lagrange`): never above the true optimum, whatever the
multipliers reached, and above the bound from the data where the members' capacities bind."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver import eligibility, lagrange, model, planning, strengthen
from solver.problem import PlanningProblem, Site
from tests.solver.reference import PAINT, brute_force, problem, site, structure
from tests.solver.test_optimum import instances

WEIGHTS = [
    {"distance": 1, "balance": 1, "members": 1, "subcontracting": 0},
    {"distance": 2.5, "balance": 0.7, "members": 0.3, "subcontracting": 0},
    {"distance": 0, "balance": 0, "members": 1, "subcontracting": 0},
]


def _bounds(p: PlanningProblem) -> list[float]:
    """The bound after 1, 5 and as many steps as one second allows: each must be valid."""
    elig = eligibility.compute(p)
    full = model.scales(elig)
    found = []
    for steps in (1, 5, 100_000):
        result = lagrange.bound(elig, full, 1.0, max_iterations=steps)
        assert result is not None
        found.append(result.bound)
    return found


@pytest.mark.parametrize("weights", WEIGHTS, ids=["all", "mixed", "members"])
@settings(max_examples=15, deadline=None)
@given(data=instances(), max_members=st.sampled_from([None, 1, 2]))
def test_lagrangian_bound_never_exceeds_the_enumerated_optimum(
    weights: dict[str, float],
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    max_members: int | None,
) -> None:
    sites, structures = data
    p = problem(sites, structures, weights=weights, max_members=max_members)
    expected = brute_force(p)
    if expected is None:
        return  # a site no plan covers: the exact model below covers that case
    for found in _bounds(p):
        assert found <= expected.objective + 1e-7


def _medium(seed: int, n_sites: int = 36, n_members: int = 10) -> PlanningProblem:
    """Two territories, members whose capacities bind, an AI and an ETTI, sous-traitance allowed."""
    rng = random.Random(seed)
    sites = [
        site(
            f"S{i}",
            48.80 + 0.15 * (i % 2) + rng.uniform(0, 0.06),
            2.35 + rng.uniform(0, 0.08),
            rng.randrange(50, 200, 10),
            territory="Nord" if i % 2 else "Sud",
        )
        for i in range(n_sites)
    ]
    demand = sum(s["hours"] for s in sites)
    structures = [
        structure(
            f"E{j}",
            rng.choice(["EI", "ACI", "EITI"]),
            48.80 + 0.15 * (j % 2) + rng.uniform(0, 0.06),
            2.35 + rng.uniform(0, 0.08),
            {PAINT: float(round(1.3 * demand / n_members * rng.uniform(0.5, 1.5), -1))},
            can_lead=j < 3,
            territory="Nord" if j % 2 else "Sud",
            max_distance_km=rng.uniform(8, 20),
        )
        for j in range(n_members)
    ]
    structures += [
        structure("A1", "AI", 48.85, 2.39, {PAINT: 0.15 * demand}, max_distance_km=25),
        structure("A2", "ETTI", 48.90, 2.40, {PAINT: 0.1 * demand}, max_distance_km=25),
    ]
    weights = {"distance": 1, "balance": 1, "members": 1, "subcontracting": 0.5}
    return problem(
        sites,
        structures,
        weights=weights,
        max_members=6,
        max_subcontracting_share=0.3,
        time_limit_s=60,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lagrangian_bound_below_the_proven_optimum_and_above_the_data_bound(seed: int) -> None:
    p = _medium(seed, n_sites=14, n_members=6)
    plan = solver.solve(p)  # the whole model, staff at disposal and sous-traitance included
    assert plan.status == "optimal"
    optimum = plan.groupings[0].objective
    found = _bounds(p)
    for value in found:
        assert value <= optimum + 1e-7
    elig = eligibility.compute(p)
    # capacities bind: the relaxation sees that the nearest members cannot take every site
    assert found[-1] > strengthen.data_bound(elig, model.scales(elig)) + 1e-3


def test_large_tender_reports_the_lagrangian_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    p = _medium(4)
    p = p.model_copy(update={"options": p.options.model_copy(update={"time_limit_s": 20})})
    elig = eligibility.compute(p)
    data = strengthen.data_bound(elig, model.scales(elig))
    monkeypatch.setattr(planning, "DISAGGREGATE_UP_TO", 0)  # solved as a large tender
    plan = solver.solve(p)
    assert plan.solver.stages[0].name == "lagrange"
    assert plan.solver.bound is not None and plan.solver.bound > data + 1e-3
    assert plan.solver.bound == pytest.approx(max(s.bound or -1.0 for s in plan.solver.stages))
    best = plan.groupings[0]
    assert not best.uncovered
    assert plan.solver.bound <= best.objective
    monkeypatch.undo()
    whole = solver.solve(p.model_copy(update={"options": p.options.model_copy(update={"time_limit_s": 60})}))
    if whole.status == "optimal":
        assert plan.solver.bound <= whole.groupings[0].objective + 1e-7


def test_lagrangian_bound_with_a_site_no_one_reaches() -> None:
    """The uncovered site's penalty enters the bound at its price, never more."""
    p = _medium(1, n_sites=12, n_members=5)
    far = site("FAR", 43.30, 5.37, 300)  # Marseille: beyond every structure's reach
    sites = [*p.tender.lots[0].sites, Site.model_validate(far)]
    lot = p.tender.lots[0].model_copy(update={"sites": sites})
    p = p.model_copy(update={"tender": p.tender.model_copy(update={"lots": [lot]})})
    plan = solver.solve(p)
    assert plan.status == "optimal" and plan.groupings[0].uncovered == ["FAR"]
    for value in _bounds(p):
        assert value <= plan.groupings[0].objective + 1e-7


@pytest.mark.parametrize("seed", [1, 2])
def test_the_relaxations_plan_polished_keeps_every_rule(seed: int) -> None:
    # a large tender's stage `fixed` starts from the relaxation's plan after local moves and the
    # re-spread of the staff put at disposal: that start must keep every rule and be no worse
    from solver import checks, decompose

    p = _medium(seed)
    elig = eligibility.compute(p)
    full = model.scales(elig)
    relaxed = lagrange.bound(elig, full, 1.0)
    assert relaxed is not None
    rounded = decompose._rounded(elig, full, relaxed.plan)
    assert rounded is not None
    polished = decompose._polished(elig, full, rounded[0], 2.0)
    assert polished is not None
    assert not checks.violations(elig, polished[0])
    assert polished[1].objective <= rounded[1].objective + 1e-9
