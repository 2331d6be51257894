"""Whatever the instance, a returned grouping keeps every rule, and its reported figures are exact."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from tests.solver.reference import CLEAN, PAINT, eligible, km, problem, revenue_over_cap, site, structure


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    coord = st.floats(0.0, 0.2)
    trades = [PAINT, CLEAN]
    n_sites = draw(st.integers(3, 6))
    sites = [
        (
            draw(st.sampled_from(trades)),
            site(
                f"S{i}",
                48.85 + draw(coord),
                2.35 + draw(coord),
                draw(st.integers(10, 120)),
                territory=draw(st.sampled_from(["T1", "T2"])),
            ),
        )
        for i in range(n_sites)
    ]
    structures = []
    for j in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["EI", "ACI", "EITI", "AI", "ETTI", "GEIQ"]))
        capacities: dict[str, float] = {t: draw(st.sampled_from([0, 40, 150, 400])) for t in trades}
        structures.append(
            structure(
                f"E{j}",
                kind,
                48.85 + draw(coord),
                2.35 + draw(coord),
                capacities,
                can_lead=(j == 0) or draw(st.booleans()),
                annual_turnover_eur=draw(st.sampled_from([0, 20_000, 500_000])),
                max_distance_km=draw(st.sampled_from([None, 6.0, 12.0])),
                territory=draw(st.sampled_from(["T1", "T2"])),
            )
        )
    structures[0]["kind"] = "EI"
    options = {
        "max_members": draw(st.sampled_from([None, 2, 3])),
        "max_subcontracting_share": draw(st.sampled_from([0.0, 0.3, 0.5])),
        "min_member_share": draw(st.sampled_from([0.0, 0.1])),
        "max_dependence": draw(st.sampled_from([None, 0.5])),
        "territorial_presence": draw(st.booleans()),
        "alternatives": draw(st.integers(1, 3)),
        "weights": {
            "distance": draw(st.sampled_from([0.0, 1.0, 3.0])),
            "balance": draw(st.sampled_from([0.0, 1.0])),
            "members": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "subcontracting": draw(st.sampled_from([0.0, 1.0])),
        },
    }
    lots = defaultdict(list)
    for trade, s in sites:
        lots[trade].append(s)
    return {"lots": lots, "structures": structures, "options": options}


def build(data: dict[str, Any]) -> solver.PlanningProblem:
    p = problem(
        [{"id": "x", "lat": 0, "lon": 0, "hours": 1, "value_eur": 0}], data["structures"], **data["options"]
    )
    lots = [{"id": f"L{i}", "trade": t, "sites": s} for i, (t, s) in enumerate(sorted(data["lots"].items()))]
    return solver.PlanningProblem.model_validate(
        {**p.model_dump(mode="json"), "tender": {"reference": "T", "kind": "works", "lots": lots}}
    )


@settings(max_examples=25, deadline=None)
@given(data=instances())
def test_every_grouping_keeps_the_rules(data: dict[str, Any]) -> None:
    p = build(data)
    plan = solver.solve(p)
    assert plan.status in ("optimal", "feasible", "infeasible")
    structs = {s.id: s for s in p.structures}
    sites = {s.id: (lot.trade, s) for lot in p.tender.lots for s in lot.sites}
    rate = {
        t: sum(s.value_eur for tt, s in sites.values() if tt == t)
        / sum(s.hours for tt, s in sites.values() if tt == t)
        for t in {t for t, _ in sites.values()}
    }
    o = p.options
    seen_members: list[frozenset[str]] = []
    for g in plan.groupings:
        members = {m.structure for m in g.members}
        seen_members.append(frozenset(members))
        covered = [a.site for a in g.assignments]
        assert len(covered) == len(set(covered)), "a site is covered at most once"
        assert set(covered) | set(g.uncovered) == set(sites) and not set(covered) & set(g.uncovered)
        assert g.mandataire in members and structs[g.mandataire].can_lead
        assert o.max_members is None or len(members) <= o.max_members
        hours: dict[tuple[str, str], float] = defaultdict(float)
        value: dict[str, float] = defaultdict(float)
        hour_km = 0.0
        for a in g.assignments:
            trade, s = sites[a.site]
            assert eligible(p, a.site, a.structure)
            assert a.structure in members
            d = km(s.lat, s.lon, structs[a.structure].lat, structs[a.structure].lon)
            assert a.distance_km == pytest.approx(d, abs=1e-3)
            hours[a.structure, trade] += s.hours
            value[a.structure] += s.value_eur
            hour_km += s.hours * d
        out: dict[tuple[str, str], float] = defaultdict(float)
        supplied: dict[tuple[str, str], float] = defaultdict(float)
        for sc in g.subcontracts:
            assert structs[sc.to].kind in ("AI", "ETTI") and sc.to not in members
            assert sc.trade is not None
            reach = structs[sc.to].max_distance_km
            member, supplier = structs[sc.from_], structs[sc.to]
            assert reach is None or km(member.lat, member.lon, supplier.lat, supplier.lon) <= reach + 1e-9
            assert sc.value_eur == pytest.approx(sc.hours * rate[sc.trade], abs=0.01)
            out[sc.from_, sc.trade] += sc.hours
            supplied[sc.to, sc.trade] += sc.hours
        for (supplier_id, t), h in supplied.items():
            assert h <= structs[supplier_id].capacities[t] + 1e-6
        for (e, t), h in hours.items():
            assert h - out[e, t] <= structs[e].capacities[t] + 1e-6, "own hours within capacity"
            assert out[e, t] <= h + 1e-6
        total_value = sum(s.value_eur for _, s in sites.values())
        ratios = []
        for mb in g.members:
            e = mb.structure
            assigned = sum(h for (x, _), h in hours.items() if x == e)
            sub = sum(h for (x, _), h in out.items() if x == e)
            assert sub <= o.max_subcontracting_share * assigned + 1e-6
            revenue = value[e] - sum(h * rate[t] for (x, t), h in out.items() if x == e)
            assert mb.revenue_eur == pytest.approx(revenue, abs=0.01)
            assert revenue >= o.min_member_share * total_value - 1e-3
            assert not revenue_over_cap(p, structs[e], revenue - 1e-3)
            capacity = sum(structs[e].capacities.get(t, 0) for t in rate)
            ratios.append((assigned - sub) / capacity)
            assert mb.load_ratio == pytest.approx((assigned - sub) / capacity, abs=1e-6)
        assert g.terms.members == len(members)
        assert g.terms.distance_hour_km == pytest.approx(hour_km, rel=1e-6, abs=1e-6)
        assert g.terms.balance_spread == pytest.approx(max(ratios) - min(ratios), abs=1e-6)
        assert g.terms.subcontracted_hours == pytest.approx(sum(out.values()), abs=1e-6)
    assert len(set(seen_members)) == len(seen_members), "alternatives differ in their members"
    if plan.groupings:
        objectives = [g.objective for g in plan.groupings]
        assert all(b >= a - 1e-6 * max(1.0, abs(a)) for a, b in itertools.pairwise(objectives)), "best first"
        assert plan.solver.bound is not None and plan.solver.objective is not None
        assert plan.solver.bound <= plan.solver.objective + 1e-6
        assert plan.groupings[0].objective == pytest.approx(plan.solver.objective, rel=1e-6, abs=1e-6)
