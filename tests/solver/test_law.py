"""The rules of law the planner keeps, each with a case where it binds: legal entities (SIREN), mise à
disposition and the AI's 480 h, sous-traitance, form, reserved lots, clause sociale, re-plan after
the award."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver.plan import Plan
from solver.problem import Baseline
from tests.solver.reference import PAINT, brute_force, entity, problem, site, structure

DISTANCE = {"distance": 1, "balance": 0, "members": 0, "staffing": 0}
SIRET_A1, SIRET_A2, SIRET_B = "80746931700018", "80746931700026", "42138526300011"


def codes(plan: Plan, **where: Any) -> set[str]:
    return {d.code for d in plan.diagnostics if all(getattr(d, k) == v for k, v in where.items())}


def test_structures_of_one_siren_are_one_member_pooling_their_capacity() -> None:
    # collèges of 150 h and 20 h; two establishments of 100 h each. One legal entity (same SIREN): one
    # member doing both with its pooled capacity, even when at most one member is allowed.
    sites = [site("C", 48.9, 2.45, 150), site("D", 48.9, 2.45, 20)]
    a = structure("a", "EI", 48.9, 2.45, {PAINT: 100}, can_lead=True, siret=SIRET_A1)
    b = structure("b", "ACI", 48.92, 2.45, {PAINT: 100}, siret=SIRET_A2)
    pooled = solver.solve(problem(sites, [a, b], weights=DISTANCE, max_members=1)).groupings[0]
    assert pooled.uncovered == [] and pooled.terms.members == 1
    [member] = pooled.members
    assert (member.structure, member.siren, member.structures) == ("a", "807469317", ["a", "b"])
    assert member.load_ratio == pytest.approx(170 / 200) and pooled.form == "individuel"
    # two legal entities: at most one member cannot do it
    apart = solver.solve(problem(sites, [a, {**b, "siret": SIRET_B}], weights=DISTANCE, max_members=1))
    assert apart.groupings[0].uncovered == ["C"]


@st.composite
def pooled_instances(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    coord = st.floats(0.0, 0.12)
    sites = [
        site(f"S{i}", 48.85 + draw(coord), 2.35 + draw(coord), draw(st.integers(20, 120)))
        for i in range(draw(st.integers(3, 5)))
    ]
    sirets = [SIRET_A1, SIRET_A2, SIRET_B, None]
    structures = [
        structure(
            f"E{j}",
            draw(st.sampled_from(["EI", "ACI", "EITI"])),
            48.85 + draw(coord),
            2.35 + draw(coord),
            {PAINT: draw(st.integers(40, 300))},
            can_lead=(j == 0) or draw(st.booleans()),
            siret=draw(st.sampled_from(sirets)),
            insertion_rate=draw(st.sampled_from([0.2, 0.6, 1.0])),
        )
        for j in range(draw(st.integers(2, 4)))
    ]
    structures[1]["siret"] = structures[0]["siret"] = SIRET_A1 if draw(st.booleans()) else SIRET_A2
    return sites, structures


@pytest.mark.parametrize(
    "weights",
    [{"distance": 1, "balance": 1, "members": 1, "staffing": 0}, {"distance": 0, "balance": 0, "members": 1}],
    ids=["all", "members"],
)
@settings(max_examples=12, deadline=None)
@given(data=pooled_instances(), max_members=st.sampled_from([None, 1, 2]), clause=st.sampled_from([0, 0.5]))
def test_pooled_entities_match_enumeration(
    weights: dict[str, float],
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    max_members: int | None,
    clause: float,
) -> None:
    sites, structures = data
    lot = {"insertion_hours": clause * sum(s["hours"] for s in sites)}
    p = problem(sites, structures, weights=weights, max_members=max_members, lot=lot)
    expected = brute_force(p)
    plan = solver.solve(p)
    for g in plan.groupings:
        sirens = [m.siren for m in g.members if m.siren]
        assert len(sirens) == len(set(sirens)), "two structures of one SIREN are never two members"
        by_structure = {s.id: s for s in p.structures}
        for m in g.members:
            assert {entity(by_structure[e]) for e in m.structures} == {entity(by_structure[m.structure])}
    if expected is None:
        assert plan.status == "infeasible" or plan.groupings[0].uncovered
        return
    assert plan.status == "optimal"
    assert not plan.groupings[0].uncovered
    assert plan.groupings[0].objective == pytest.approx(expected.objective, abs=1e-6)
    assert plan.groupings[0].terms.members == expected.members


def _staffing_case(legal_form: str, **tender: Any) -> Plan:
    # an EI of 100 h for four collèges of 150 h: the AI's staff must do the rest
    sites = [site(f"C{i}", 48.9 + 0.005 * i, 2.45, 150) for i in range(4)]
    structures = [
        structure("ei", "EI", 48.9, 2.45, {PAINT: 100}, can_lead=True, legal_form=legal_form),
        structure("ai", "AI", 48.9, 2.45, {PAINT: 2000}, mad_staff=1),
    ]
    return solver.solve(problem(sites, structures, weights=DISTANCE, tender=tender))


def test_ai_480_hours_per_person_towards_a_company_not_an_association() -> None:
    # Code du travail L5132-9: one person, 480 h per 24 months towards a company: 100 + 480 = 580 h
    # of the 600 h, one collège stays uncovered
    company = _staffing_case("company").groupings[0]
    assert len(company.uncovered) == 1
    assert sum(line.hours for line in company.staffing) <= 480 + 1e-6
    # towards an association, no such cap: all four collèges
    association = _staffing_case("association").groupings[0]
    assert association.uncovered == [] and association.terms.staffing_hours == pytest.approx(500)
    # 30 months of execution: two periods of 24 months started, 960 h
    longer = _staffing_case("company", execution_start="2026-01-01", execution_end="2028-06-30").groupings[0]
    assert longer.uncovered == []
    # staff put at disposal count as insertion hours
    assert association.terms.insertion_hours == pytest.approx(500 + 100 * 0.6)


def _sous_traitance_case(**lot: Any) -> Plan:
    sites = [site("C", 48.9, 2.45, 150), site("D", 48.9, 2.45, 20)]
    structures = [
        structure("ei", "EI", 48.9, 2.45, {PAINT: 100}, can_lead=True),
        structure("other", "ACI", 48.91, 2.45, {PAINT: 500}),
        structure("ai", "AI", 49.9, 2.45, {PAINT: 500}, max_distance_km=5),  # out of reach
    ]
    return solver.solve(
        problem(sites, structures, weights=DISTANCE, max_members=1, max_subcontracting_share=0.5, lot=lot)
    )


def test_sous_traitance_to_a_non_member_never_on_an_essential_lot() -> None:
    allowed = _sous_traitance_case().groupings[0]
    [line] = allowed.subcontracts
    # 170 h for 100 h of capacity: 70 h subcontracted, within half of its part (85 h)
    assert (line.from_, line.to, line.lot) == ("ei", "other", "L1") and line.hours == pytest.approx(70)
    assert line.value_eur == pytest.approx(70 * 40) and allowed.staffing == []
    assert {m.structure for m in allowed.members} == {"ei"}
    assert allowed.terms.subcontracted_hours == pytest.approx(70)
    # L2193-3: the buyer called the lot's tasks essential: no sous-traitance, the collège stays uncovered
    essential = _sous_traitance_case(essential=True)
    assert essential.groupings[0].subcontracts == [] and essential.groupings[0].uncovered == ["C"]
    # never the whole of its part (loi 75-1334): a share of 1 is refused
    with pytest.raises(ValueError, match="max_subcontracting_share"):
        problem([site("C", 48.9, 2.45, 150)], [], max_subcontracting_share=1.0)


def test_reserved_lots_admit_only_the_reserved_kinds() -> None:
    sites = [site("C", 48.9, 2.45, 100)]
    structures = [
        structure("ei", "EI", 48.9, 2.45, {PAINT: 500}, can_lead=True),
        structure("ea", "EA", 48.95, 2.45, {PAINT: 500}, can_lead=True),
    ]

    def planned(reserved: str | None) -> set[str]:
        plan = solver.solve(problem(sites, structures, weights=DISTANCE, lot={"reserved": reserved}))
        return {a.structure for a in plan.groupings[0].assignments}

    # unreserved and SIAE lots: the EI (an EA is planned only in lots reserved to it, L2113-12)
    assert planned(None) == planned("siae") == {"ei"}
    # lot reserved to EA/ESAT: the nearer EI is not a reserved kind, the EA does it
    assert planned("handicap") == {"ea"}
    assert planned("both") == {"ei"}
    plan = solver.solve(problem(sites, structures, weights=DISTANCE, lot={"reserved": "handicap"}))
    assert "structure_not_selected_kind" in codes(plan, structure="ei")


def test_clause_sociale_binds_and_a_shortfall_is_reported() -> None:
    sites = [site("C", 48.9, 2.45, 100)]
    structures = [
        structure("near", "EI", 48.9, 2.45, {PAINT: 500}, can_lead=True, insertion_rate=0.3),
        structure("far", "ACI", 48.95, 2.45, {PAINT: 500}, can_lead=True, insertion_rate=0.9),
    ]
    # 80 insertion hours on the lot: the nearer EI delivers 30, the ACI 90
    met = solver.solve(problem(sites, structures, weights=DISTANCE, lot={"insertion_hours": 80})).groupings[0]
    assert [a.structure for a in met.assignments] == ["far"]
    [line] = met.insertion
    assert (line.lot, line.required) == ("L1", 80) and line.delivered == pytest.approx(90)
    # 120 h cannot be met by anyone: the plan says by how much, lot by lot
    short = solver.solve(problem(sites, structures, weights=DISTANCE, lot={"insertion_hours": 120}))
    [line] = short.groupings[0].insertion
    assert line.delivered == pytest.approx(90)
    [note] = [d for d in short.diagnostics if d.code == "insertion_shortfall"]
    assert note.lot == "L1" and "30 h" in note.message and "120 h" in note.message


def test_form_is_the_members_choice() -> None:
    sites = [site("C1", 48.9, 2.45, 100), site("C2", 48.95, 2.45, 100)]
    structures = [
        structure("a", "EI", 48.9, 2.45, {PAINT: 100}, can_lead=True),
        structure("b", "EI", 48.95, 2.45, {PAINT: 100}),
    ]
    for form in ("conjoint", "conjoint_mandataire_solidaire", "solidaire"):
        plan = solver.solve(problem(sites, structures, weights=DISTANCE, groupement_form=form))
        assert plan.groupings[0].form == form


def test_after_award_no_new_member_and_the_mandataire_replaced() -> None:
    sites = [site(f"C{i}", 48.90 + 0.01 * i, 2.45, 100) for i in range(4)]
    structures = [
        structure("a", "EI", 48.90, 2.45, {PAINT: 250}, can_lead=True),
        structure("b", "EI", 48.93, 2.45, {PAINT: 250}, can_lead=True),
        structure("c", "EI", 48.925, 2.45, {PAINT: 400}, can_lead=True),  # not in the accepted grouping
        structure("ai", "AI", 48.9, 2.45, {PAINT: 400}, legal_form="association"),
    ]
    p = problem(sites, structures, weights={"distance": 1, "balance": 0, "members": 0, "staffing": 0})
    accepted = {"C0": "a", "C1": "a", "C2": "b", "C3": "b"}

    def replan(mode: str, withdrawn: str) -> Plan:
        baseline = Baseline(mode=mode, assignments=accepted, mandataire="b", withdrawn=[withdrawn])
        return solver.replan(p, baseline)

    # before submission, the nearer c may join in b's place
    before = replan("before_submission", "b").groupings[0]
    assert "c" in {m.structure for m in before.members}
    # after the award (CCP R2142-26): no new member; a takes b's collèges with staff at its disposal
    after = replan("after_award", "b")
    best = after.groupings[0]
    assert {m.structure for m in best.members} == {"a"} and best.uncovered == []
    assert best.mandataire == "a" and best.terms.staffing_hours == pytest.approx(150)
    assert {"replan_after_award_withdrawal", "replan_after_award_mandataire"} <= codes(after)
    assert "structure_not_selected_after_award" in codes(after, structure="c")
    # the withdrawn mandataire is replaced by a remaining member able to lead; a co-traitant leaving
    # keeps the mandataire
    kept = replan("after_award", "a").groupings[0]
    assert kept.mandataire == "b" and {m.structure for m in kept.members} == {"b"}
