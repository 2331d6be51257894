"""Large tenders are solved territory by territory: the plan keeps every rule and the bound it reports
never exceeds the true optimum."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

import solver
from solver import decompose, planning
from tests.solver.reference import PAINT, problem, site, structure

ALL = {"distance": 1, "balance": 1, "members": 1, "subcontracting": 0.5}


def two_territories() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sites = [site(f"N{i}", 48.95 + 0.01 * i, 2.40, 100 + 20 * i, territory="Nord") for i in range(4)]
    sites += [site(f"S{i}", 48.80 + 0.01 * i, 2.40, 120 + 10 * i, territory="Sud") for i in range(4)]
    structures = [
        structure("n1", "EI", 48.96, 2.40, {PAINT: 300}, can_lead=True, territory="Nord", max_distance_km=8),
        structure(
            "n2",
            "ACI",
            48.97,
            2.41,
            {PAINT: 250},
            territory="Nord",
            max_distance_km=8,
            annual_turnover_eur=60000,
        ),
        structure("s1", "EI", 48.81, 2.40, {PAINT: 300}, territory="Sud", max_distance_km=8),
        structure("s2", "EITI", 48.82, 2.41, {PAINT: 200}, territory="Sud", max_distance_km=8),
        # within reach of both territories: its capacity and membership are shared between them
        structure("mid", "EI", 48.88, 2.40, {PAINT: 400}, can_lead=True, territory="Sud", max_distance_km=15),
        structure("a1", "AI", 48.88, 2.41, {PAINT: 150}, territory="Nord", max_distance_km=20),
    ]
    return sites, structures


@pytest.fixture
def decomposed(monkeypatch: pytest.MonkeyPatch) -> None:
    # the territory split is meant for large tenders: make this small one count as large
    monkeypatch.setattr(planning, "DISAGGREGATE_UP_TO", 0)


@pytest.mark.parametrize("guided", [True, False], ids=["members-of-the-bound", "by-territory"])
def test_plan_by_territory_keeps_the_rules_and_an_honest_bound(
    monkeypatch: pytest.MonkeyPatch, guided: bool
) -> None:
    sites, structures = two_territories()
    monkeypatch.setattr(planning, "DISAGGREGATE_UP_TO", 0)
    if not guided:  # the relaxation's plan and the model on its members find nothing: by territory
        monkeypatch.setattr(decompose, "_rounded", lambda *args: None)
        monkeypatch.setattr(decompose, "_fixed_set", lambda *args: None)
    p = problem(sites, structures, weights=ALL, max_members=4, time_limit_s=20)
    plan = solver.solve(p)
    assert plan.status in ("optimal", "feasible")
    names = [s.name for s in plan.solver.stages]
    assert names[0] == "lagrange" and ("neighbourhoods" if guided else "fixed") in names
    assert ("territories" in names) != guided
    best = plan.groupings[0]
    assert best.uncovered == [] and len(best.assignments) == 8
    assert best.terms.members <= 4
    capacity = {s["id"]: s["capacities"][PAINT] for s in structures}
    for m in best.members:
        assert m.own_hours <= capacity[m.structure] + 1e-6
        assert m.load_ratio <= 1 + 1e-9
    leaders = {s["id"] for s in structures if s.get("can_lead")}
    assert best.mandataire in leaders and best.mandataire in {m.structure for m in best.members}
    # the ACI's revenue stays within 30 % of its turnover
    revenue = {m.structure: m.revenue_eur for m in best.members}
    assert revenue.get("n2", 0.0) <= 0.3 * 60000 + 1e-6
    out: dict[str, float] = defaultdict(float)
    for sub in best.subcontracts:
        out[sub.to] += sub.hours
    assert out["a1"] <= 150 + 1e-6

    monkeypatch.undo()  # the same tender solved whole, to proven optimality
    whole = solver.solve(p.model_copy(update={"options": p.options.model_copy(update={"gap_rel": 1e-9})}))
    assert whole.status == "optimal"
    optimum = whole.groupings[0].objective
    assert plan.solver.bound is not None and plan.solver.bound <= optimum + 1e-9
    assert best.objective >= optimum - 1e-9
    assert plan.solver.objective == pytest.approx(best.objective)


def test_whole_model_when_not_split(decomposed: None) -> None:
    sites, structures = two_territories()
    # asked for alternatives: the territory split gives one grouping, so the whole model is solved
    plan = solver.solve(problem(sites, structures, weights=ALL, alternatives=2))
    assert plan.solver.stages and "territories" not in [s.name for s in plan.solver.stages]
    assert [g.rank for g in plan.groupings] == list(range(1, len(plan.groupings) + 1))
