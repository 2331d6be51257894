"""Whatever the instance, a returned grouping keeps every rule, and its reported figures are exact."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from tests.solver.reference import (
    CLEAN,
    PAINT,
    eligible,
    entity,
    km,
    problem,
    revenue_over_cap,
    site,
    structure,
)


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
                # a few SIRENs only: some structures are establishments of one legal entity
                siret=draw(st.sampled_from([None, "80746931700018", "80746931700026", "42138526300011"])),
                legal_form=draw(st.sampled_from([None, "company", "association"])),
                mad_staff=draw(st.sampled_from([None, 1, 3])),
                mad_rate_eur_per_hour=draw(st.sampled_from([None, 22.5])),
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
    insertion = draw(st.sampled_from([0.0, 0.3, 0.9]))
    return {"lots": lots, "structures": structures, "options": options, "insertion": insertion}


def build(data: dict[str, Any]) -> solver.PlanningProblem:
    p = problem(
        [{"id": "x", "lat": 0, "lon": 0, "hours": 1, "value_eur": 0}], data["structures"], **data["options"]
    )
    lots = [
        {
            "id": f"L{i}",
            "trade": t,
            "sites": s,
            "insertion_hours": data["insertion"] * sum(x["hours"] for x in s),
        }
        for i, (t, s) in enumerate(sorted(data["lots"].items()))
    ]
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
    sites = {s.id: (lot, s) for lot in p.tender.lots for s in lot.sites}
    lot_rate = {
        lot.id: sum(s.value_eur for s in lot.sites) / sum(s.hours for s in lot.sites) for lot in p.tender.lots
    }
    trades = {lot.trade for lot in p.tender.lots}
    o = p.options
    seen_members: list[frozenset[str]] = []
    for g in plan.groupings:
        members = {m.structure: m for m in g.members}
        seen_members.append(frozenset(members))
        sirens = [m.siren for m in g.members if m.siren]
        assert len(sirens) == len(set(sirens)), "a legal entity is one member"
        entity_of = {e: m.structure for m in g.members for e in m.structures}
        for m in g.members:
            assert all(entity(structs[e]) == entity(structs[m.structure]) for e in m.structures)
        assert g.form == ("individuel" if len(members) == 1 else o.groupement_form)
        covered = [a.site for a in g.assignments]
        assert len(covered) == len(set(covered)), "a site is covered at most once"
        assert set(covered) | set(g.uncovered) == set(sites) and not set(covered) & set(g.uncovered)
        assert g.mandataire in members
        assert any(structs[e].can_lead for e in members[g.mandataire].structures)
        assert o.max_members is None or len(members) <= o.max_members
        hours: dict[tuple[str, str], float] = defaultdict(float)  # (entity, trade)
        part: dict[tuple[str, str], float] = defaultdict(float)  # (entity, lot)
        value: dict[str, float] = defaultdict(float)
        own_lot: dict[tuple[str, str], float] = defaultdict(float)  # (structure, lot): hours × rate
        hour_km = 0.0
        for a in g.assignments:
            lot, s = sites[a.site]
            assert eligible(p, a.site, a.structure)
            E = entity_of[a.structure]
            d = km(s.lat, s.lon, structs[a.structure].lat, structs[a.structure].lon)
            assert a.distance_km == pytest.approx(d, abs=1e-3)
            hours[E, lot.trade] += s.hours
            part[E, lot.id] += s.hours
            value[E] += s.value_eur
            own_lot[a.structure, lot.id] += s.hours
            hour_km += s.hours * d
        relieved: dict[tuple[str, str], float] = defaultdict(float)
        delivered: dict[str, float] = defaultdict(float)
        for (e, lot_id), h in own_lot.items():
            delivered[lot_id] += h * structs[e].insertion
        supplied: dict[tuple[str, str], float] = defaultdict(float)
        to_company: dict[tuple[str, str], float] = defaultdict(float)
        for line in g.staffing:
            ai = structs[line.from_]
            assert ai.kind in ("AI", "ETTI") and line.to in entity_of
            assert line.vat_rate == (0.0 if ai.kind == "AI" else 0.2)
            rate = ai.mad_rate_eur_per_hour if ai.mad_rate_eur_per_hour is not None else lot_rate[line.lot]
            assert line.value_eur == pytest.approx(line.hours * rate, abs=0.01)
            relieved[entity_of[line.to], line.trade] += line.hours
            supplied[line.from_, line.trade] += line.hours
            # staff at disposal count as insertion hours; the member's own hours they replace do not
            delivered[line.lot] += line.hours * (1 - structs[line.to].insertion)
            if ai.kind == "AI" and structs[line.to].form == "company":
                to_company[line.from_, entity_of[line.to]] += line.hours
        for (a_id, _), h in to_company.items():
            assert h <= 480 * (structs[a_id].mad_staff or 1) + 1e-6, "L5132-9: 480 h per person"
        out: dict[str, float] = defaultdict(float)
        for sc in g.subcontracts:
            assert structs[sc.to].kind in ("EI", "ACI", "EITI"), "a sous-traitant is never an AI/ETTI"
            assert sc.to not in entity_of and entity(structs[sc.to]) not in {
                entity(structs[m]) for m in members
            }
            assert sc.from_ in entity_of and sc.lot is not None and sc.trade is not None
            assert sc.value_eur == pytest.approx(sc.hours * lot_rate[sc.lot], abs=0.01)
            # never the whole of its part: at most σ of the structure's hours on the lot
            assert sc.hours <= o.max_subcontracting_share * own_lot[sc.from_, sc.lot] + 1e-6
            relieved[entity_of[sc.from_], sc.trade] += sc.hours
            out[entity_of[sc.from_]] += sc.hours
            value[entity_of[sc.from_]] -= sc.hours * lot_rate[sc.lot]
            delivered[sc.lot] -= sc.hours * structs[sc.from_].insertion
        for (supplier_id, t), h in supplied.items():
            assert h <= structs[supplier_id].capacities[t] + 1e-6
        for (E, t), h in hours.items():
            capacity = sum(structs[e].capacities.get(t, 0) for e in members[E].structures)
            assert h - relieved[E, t] <= capacity + 1e-6, "own hours within the entity's capacity"
        total_value = sum(s.value_eur for _, s in sites.values())
        ratios = []
        for E, mb in members.items():
            assigned = sum(h for (x, _), h in hours.items() if x == E)
            own = assigned - sum(h for (x, _), h in relieved.items() if x == E)
            assert mb.revenue_eur == pytest.approx(value[E], abs=0.01)
            assert value[E] >= o.min_member_share * total_value - 1e-3
            pooled = structs[E].model_copy(
                update={"annual_turnover_eur": sum(structs[e].annual_turnover_eur for e in mb.structures)}
            )
            assert not revenue_over_cap(p, pooled, value[E] - 1e-3)
            capacity = sum(structs[e].capacities.get(t, 0) for e in mb.structures for t in trades)
            ratios.append(own / capacity)
            assert mb.own_hours == pytest.approx(own, abs=1e-5)
            assert mb.load_ratio == pytest.approx(own / capacity, abs=1e-6)
        for ins in g.insertion:
            assert ins.delivered == pytest.approx(delivered[ins.lot], abs=1e-4)
        assert {ins.lot for ins in g.insertion} == {
            lot.id for lot in p.tender.lots if lot.insertion_hours > 0
        }
        assert g.terms.members == len(members)
        assert g.terms.distance_hour_km == pytest.approx(hour_km, rel=1e-6, abs=1e-6)
        assert g.terms.balance_spread == pytest.approx(max(ratios) - min(ratios), abs=1e-6)
        assert g.terms.staffing_hours == pytest.approx(sum(line.hours for line in g.staffing), abs=1e-5)
        assert g.terms.subcontracted_hours == pytest.approx(sum(out.values()), abs=1e-5)
        assert g.terms.insertion_hours == pytest.approx(sum(delivered.values()), abs=1e-4)
    assert len(set(seen_members)) == len(seen_members), "alternatives differ in their members"
    if plan.groupings:
        objectives = [g.objective for g in plan.groupings]
        assert all(b >= a - 1e-6 * max(1.0, abs(a)) for a, b in itertools.pairwise(objectives)), "best first"
        assert plan.solver.bound is not None and plan.solver.objective is not None
        assert plan.solver.bound <= plan.solver.objective + 1e-6
        assert plan.groupings[0].objective == pytest.approx(plan.solver.objective, rel=1e-6, abs=1e-6)
