"""The planner's best grouping against enumeration of every assignment, term by term and combined."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from tests.solver.reference import PAINT, brute_force, km, problem, site, structure


def test_hand_worked_example() -> None:
    # Two collèges 100 h each, on the same parallel 0.1° of longitude apart; an EI on each.
    # d = 2·6371·asin(cos 48.9° · sin 0.05°) ≈ 7.31 km between a collège and the other EI.
    # Normalisation: distance ÷ (200 h × 10 km), members ÷ 2 possible members.
    # - E1 and E2 each do their own collège: distance 0, members 2/2 → objective 1.0
    # - E1 (the only one able to lead) does both: 100 h × 7.31 km / 2000 = 0.366, members 1/2 → 0.866
    sites = [site("A", 48.9, 2.4, 100), site("B", 48.9, 2.5, 100)]
    structures = [
        structure("E1", "EI", 48.9, 2.4, {PAINT: 200}, can_lead=True),
        structure("E2", "EI", 48.9, 2.5, {PAINT: 200}),
    ]
    d = km(48.9, 2.4, 48.9, 2.5)
    assert d == pytest.approx(7.31, abs=0.01)
    weights: dict[str, float] = {"distance": 1, "members": 1, "balance": 0, "subcontracting": 0}
    plan = solver.solve(problem(sites, structures, weights=weights))
    best = plan.groupings[0]
    assert plan.status == "optimal"
    assert {m.structure for m in best.members} == {"E1"}
    assert best.objective == pytest.approx(100 * d / 2000 + 0.5, rel=1e-6)
    assert best.terms.distance_hour_km == pytest.approx(100 * d, rel=1e-6)

    # Halving the members' weight makes the second member worth its nearness: 0.5 < 0.366 + 0.25.
    weights["members"] = 0.5
    plan = solver.solve(problem(sites, structures, weights=weights))
    assert {m.structure for m in plan.groupings[0].members} == {"E1", "E2"}
    assert plan.groupings[0].objective == pytest.approx(0.5, rel=1e-6)


def _instance(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    n_sites = draw(st.integers(3, 5))
    n_structures = draw(st.integers(2, 4))
    coord = st.floats(0.0, 0.15)
    sites = [
        site(f"S{i}", 48.85 + draw(coord), 2.35 + draw(coord), draw(st.integers(10, 100)))
        for i in range(n_sites)
    ]
    structures = [
        structure(
            f"E{j}",
            draw(st.sampled_from(["EI", "ACI", "EITI"])),
            48.85 + draw(coord),
            2.35 + draw(coord),
            {PAINT: draw(st.integers(60, 400))},
            can_lead=(j == 0) or draw(st.booleans()),
            annual_turnover_eur=draw(st.sampled_from([0, 50_000, 500_000])),
            max_distance_km=draw(st.sampled_from([None, 8.0, 15.0])),
        )
        for j in range(n_structures)
    ]
    return sites, structures


instances = st.composite(_instance)


def _tolerance(sites: list[dict[str, Any]]) -> float:
    """The engines' optimality tolerance (1e-6 on the normalised objective) in hour·km."""
    return 1e-6 * sum(float(s["hours"]) for s in sites) * 10


WEIGHTS = [
    {"distance": 1, "balance": 0, "members": 0, "subcontracting": 0},
    {"distance": 0, "balance": 1, "members": 0, "subcontracting": 0},
    {"distance": 0, "balance": 0, "members": 1, "subcontracting": 0},
    {"distance": 1, "balance": 1, "members": 1, "subcontracting": 0},
    {"distance": 2.5, "balance": 0.7, "members": 0.3, "subcontracting": 0},
]


@pytest.mark.parametrize("weights", WEIGHTS, ids=["distance", "balance", "members", "all", "mixed"])
@settings(max_examples=12, deadline=None)
@given(data=instances(), max_members=st.sampled_from([None, 2, 3]))
def test_best_grouping_equals_enumeration(
    weights: dict[str, float],
    data: tuple[list[dict[str, object]], list[dict[str, object]]],
    max_members: int | None,
) -> None:
    sites, structures = data
    p = problem(sites, structures, weights=weights, max_members=max_members)
    expected = brute_force(p)
    plan = solver.solve(p)
    if expected is None:
        # no full coverage within the rules: the planner must say which sites stay uncovered
        assert plan.status == "infeasible" or plan.groupings[0].uncovered
        return
    assert plan.status == "optimal"
    best = plan.groupings[0]
    assert not best.uncovered
    assert best.objective == pytest.approx(expected.objective, abs=1e-6)
    # the proven bound is a lower bound of the true optimum, never above it
    assert plan.solver.bound is not None
    assert plan.solver.bound <= expected.objective + 1e-6
    if weights["balance"] == 0 and weights["members"] == 0:
        # only distance counts: the hour·km term itself is the true optimum
        assert best.terms.distance_hour_km == pytest.approx(expected.distance_hour_km, abs=_tolerance(sites))


def test_a_proof_to_the_engines_precision_is_optimal() -> None:
    # a case where HiGHS completes its search with its bound 1e-6 below the plan (its tolerance) while
    # a gap of 1e-9 is asked: the plan is the true optimum and is labelled `optimal`
    sites = [
        site("S0", 48.850000001, 2.369500832690963, 42),
        site("S1", 48.857899512849286, 2.351, 22),
        site("S2", 48.85, 2.4548260464890603, 53),
        site("S3", 48.949903038414064, 2.3894880960282237, 30),
        site("S4", 48.850100000000005, 2.355411380518177, 42),
    ]
    structures = [
        structure(
            "E0",
            "ACI",
            48.92709655599728,
            2.35,
            {PAINT: 208},
            can_lead=True,
            annual_turnover_eur=0,
            max_distance_km=15.0,
        ),
        structure(
            "E1", "ACI", 48.85, 2.4415981469953465, {PAINT: 146}, can_lead=False, annual_turnover_eur=500_000
        ),
        structure(
            "E2",
            "EITI",
            48.89265469768631,
            2.468158106721015,
            {PAINT: 198},
            can_lead=False,
            annual_turnover_eur=50_000,
            max_distance_km=8.0,
        ),
        structure(
            "E3",
            "ACI",
            48.90242845054311,
            2.382598188462182,
            {PAINT: 147},
            can_lead=False,
            annual_turnover_eur=500_000,
            max_distance_km=8.0,
        ),
    ]
    p = problem(sites, structures, weights=WEIGHTS[4])
    expected = brute_force(p)
    assert expected is not None
    plan = solver.solve(p)
    assert plan.status == "optimal"
    assert plan.groupings[0].objective == pytest.approx(expected.objective, abs=1e-6)
    assert plan.solver.objective == plan.groupings[0].objective
    assert plan.solver.bound is not None and plan.solver.bound <= expected.objective + 1e-6


@settings(max_examples=10, deadline=None)
@given(data=instances())
def test_distance_only_is_the_true_optimum(
    data: tuple[list[dict[str, object]], list[dict[str, object]]],
) -> None:
    sites, structures = data
    p = problem(sites, structures, weights={"distance": 1, "balance": 0, "members": 0, "subcontracting": 0})
    expected = brute_force(p)
    plan = solver.solve(p)
    if expected is not None:
        assert plan.groupings[0].terms.distance_hour_km == pytest.approx(
            expected.distance_hour_km, abs=_tolerance(sites)
        )


@settings(max_examples=15, deadline=None)
@given(data=instances(), max_members=st.sampled_from([None, 2, 3]))
def test_members_count_bound_never_exceeds_the_optimum(
    data: tuple[list[dict[str, object]], list[dict[str, object]]], max_members: int | None
) -> None:
    # the relaxation branched on the number of members is a lower bound of every plan: never above
    # the enumerated optimum, never below the plain relaxation
    from solver import diagnostics, eligibility, engine, model, stages, strengthen

    sites, structures = data
    p = problem(sites, structures, weights=WEIGHTS[3], max_members=max_members)
    expected = brute_force(p)
    elig = eligibility.compute(p)
    if not diagnostics.mandataire_candidates(elig):
        return  # answered `infeasible` before any model is built
    built = model.build(elig, "T", nearest=None, strong=True)
    strengthen.define_valid_inequalities(built)
    model.define_member_count(built)
    bound = stages.count_bound(built, None, 30.0)
    if built.count is None:  # one possible member: no number to branch on
        assert bound is None
        return
    if bound is None:
        # the relaxation itself is infeasible (no time limit is near): then no plan exists either
        assert expected is None
        assert solver.solve(p).status == "infeasible"
        return
    if expected is not None:
        assert bound <= expected.objective + 1e-6
    for v in built.prob.variables():
        v.cat = "Continuous"
    plain = engine.solve(built.prob, engine="highs", time_limit=30, gap_rel=1e-9, threads=None)
    assert plain.objective is not None and bound >= plain.objective - 1e-9
