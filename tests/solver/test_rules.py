"""The rules a coordinator checks: who may take part, shortages, territories, re-planning, engines."""

from __future__ import annotations

from typing import Any

import pytest

import solver
from solver.plan import Plan
from tests.solver.reference import PAINT, problem, site, structure

ALL = {"distance": 1, "balance": 1, "members": 1, "staffing": 0}


def codes(plan: Plan, structure_id: str | None = None, site_id: str | None = None) -> set[str]:
    return {
        d.code
        for d in plan.diagnostics
        if (structure_id is None or d.structure == structure_id) and (site_id is None or d.site == site_id)
    }


def members(plan: Plan, rank: int = 0) -> set[str]:
    return {m.structure for m in plan.groupings[rank].members}


def collèges(n: int = 3, hours: float = 100) -> list[dict[str, Any]]:
    return [site(f"C{i}", 48.90 + 0.01 * i, 2.45, hours) for i in range(n)]


def test_kinds_allowed_for_works_and_staffing() -> None:
    structures = [
        structure("ei", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
        structure("ai", "AI", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
        structure("geiq", "GEIQ", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
        structure("esat", "ESAT", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
    ]
    works = solver.solve(problem(collèges(), structures, weights=ALL))
    assert members(works) == {"ei"}
    assert all(a.structure == "ei" for a in works.groupings[0].assignments)
    assert "structure_not_selected_kind" in codes(works, "geiq")
    assert "structure_not_selected_kind" in codes(works, "esat")

    staffing = solver.solve(problem(collèges(), structures, kind="staffing", weights=ALL))
    assert members(staffing) == {"ai"}
    assert staffing.groupings[0].subcontracts == []
    assert "structure_not_selected_kind" in codes(staffing, "ei")


def test_trade_distance_excluded_and_required() -> None:
    structures = [
        structure("near", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
        structure("cleaner", "EI", 48.9, 2.45, {"nettoyage-de-locaux-16": 1000}),
        structure("far", "ACI", 49.5, 3.5, {PAINT: 1000}, max_distance_km=20),
        structure("out", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
        structure("forced", "EITI", 48.95, 2.5, {PAINT: 1000}),
    ]
    plan = solver.solve(problem(collèges(), structures, excluded=["out"], required=["forced"], weights=ALL))
    assert "forced" in members(plan)
    assert "structure_not_selected_trade" in codes(plan, "cleaner")
    assert "structure_not_selected_distance" in codes(plan, "far")
    assert "structure_not_selected_excluded" in codes(plan, "out")
    assert all(a.structure != "out" for g in plan.groupings for a in g.assignments)


def test_no_possible_mandataire_is_infeasible_with_a_reason() -> None:
    structures = [
        structure("e1", "EI", 48.9, 2.45, {PAINT: 1000}, max_distance_km=20),
        structure("e2", "ACI", 48.9, 2.45, {PAINT: 1000}, max_distance_km=20),
    ]
    plan = solver.solve(problem([*collèges(), site("far", 50.5, 4.0, 10)], structures))
    assert plan.status == "infeasible"
    assert plan.groupings == []
    assert "no_possible_mandataire" in codes(plan)
    # even without a plan, a site no one can reach is named with its reason
    assert "site_uncovered_no_structure_in_reach" in codes(plan, site_id="far")


def test_shortage_reports_each_uncovered_site_and_why() -> None:
    sites = [*collèges(4, hours=100), site("far-away", 49.6, 3.9, 50)]
    structures = [
        structure("e1", "EI", 48.9, 2.45, {PAINT: 150}, can_lead=True, max_distance_km=15),
        structure("e2", "ACI", 48.92, 2.46, {PAINT: 120}, max_distance_km=15),
    ]
    plan = solver.solve(problem(sites, structures, weights=ALL))
    best = plan.groupings[0]
    # 270 h of capacity for 400 h of collèges: two collèges fit, two stay uncovered
    assert len(best.assignments) == 2
    assert set(best.uncovered) >= {"far-away"} and len(best.uncovered) == 3
    assert "site_uncovered_no_structure_in_reach" in codes(plan, site_id="far-away")
    for s in set(best.uncovered) - {"far-away"}:
        assert "site_uncovered_capacity_exhausted" in codes(plan, site_id=s)


def test_staff_put_at_disposal_reward_value_and_vat() -> None:
    # one EI with 100 h of capacity for a 150 h collège: the AI must put at least 50 h of staff at its
    # disposal (mise à disposition, Code du travail L5132-7); with the staffing weight on, all 150 h.
    sites = [site("C", 48.9, 2.45, 150, value=6000)]
    structures = [
        structure("ei", "EI", 48.9, 2.45, {PAINT: 100}, can_lead=True),
        structure("ai", "AI", 48.91, 2.45, {PAINT: 500}, max_distance_km=5, mad_rate_eur_per_hour=21.0),
    ]
    rewarded = solver.solve(
        problem(sites, structures, weights={"distance": 0, "balance": 0, "members": 0, "staffing": 1})
    )
    best = rewarded.groupings[0]
    assert best.subcontracts == [] and best.form == "individuel"
    [line] = best.staffing
    assert (line.from_, line.to, line.lot) == ("ai", "ei", "L1") and line.hours == pytest.approx(150)
    assert line.value_eur == pytest.approx(150 * 21.0) and line.vat_rate == 0.0  # CGI 261-7-1° bis
    [ei] = best.members
    # the staff work under the EI's direction: its revenue stays the collège's value
    assert ei.own_hours == pytest.approx(0) and ei.revenue_eur == pytest.approx(6000)
    assert best.objective == pytest.approx(-150 / 150)
    assert best.terms.staffing_hours == pytest.approx(150)

    neutral = solver.solve(
        problem(sites, structures, weights={"distance": 1, "balance": 0, "members": 0, "staffing": 0})
    )
    assert neutral.groupings[0].terms.staffing_hours >= 50 - 1e-6

    etti = structure("ai", "ETTI", 48.91, 2.45, {PAINT: 500}, max_distance_km=5)
    taxed = solver.solve(problem(sites, [structures[0], etti], weights={"staffing": 1}))
    [line] = taxed.groupings[0].staffing
    assert line.vat_rate == 0.2 and line.value_eur == pytest.approx(line.hours * 40)  # the lot's € per hour

    out_of_reach = structure("ai", "AI", 49.5, 2.45, {PAINT: 500}, max_distance_km=5)
    small = site("small", 48.9, 2.45, 20)
    alone = solver.solve(problem([*sites, small], [structures[0], out_of_reach]))
    assert alone.groupings[0].uncovered == ["C"]
    assert "site_uncovered_capacity_exhausted" in codes(alone, site_id="C")
    assert "structure_not_selected_distance" in codes(alone, "ai")


def test_aci_rule_per_year_of_execution() -> None:
    # Code du travail D5132-34: an ACI's commercial revenue stays below 30 % of its charges, per year.
    # Charges 100,000 €, commercial revenue already 20,000 €: room for 10,000 € a year from the tender.
    sites = [site(f"C{i}", 48.90 + 0.01 * i, 2.45, 100, value=6000) for i in range(4)]
    aci = structure(
        "aci",
        "ACI",
        48.9,
        2.45,
        {PAINT: 1000},
        can_lead=True,
        annual_turnover_eur=0,
        annual_charges_eur=100_000,
        commercial_revenue_eur=20_000,
    )
    structures = [aci, structure("ei", "EI", 48.95, 2.6, {PAINT: 1000}, can_lead=True)]
    distance = {"distance": 1, "balance": 0, "members": 0, "staffing": 0}

    def aci_sites(**extra: Any) -> int:
        plan = solver.solve(
            problem(sites, [{**aci, **extra.pop("aci", {})}, structures[1]], weights=distance, **extra)
        )
        return sum(a.structure == "aci" for a in plan.groupings[0].assignments)

    # no execution dates: one year, 10,000 €, one collège of 6,000 € (the ACI is the nearest)
    assert aci_sites() == 1
    # two years of execution: 10,000 € a year, 20,000 € in all, three collèges
    two_years = {"execution_start": "2026-07-01", "execution_end": "2028-06-30"}
    assert aci_sites(tender=two_years) == 3
    # the préfet raised its rate to 50 %: 30,000 € a year, every collège
    assert aci_sites(aci={"aci_cap_rate": 0.5}) == 4
    # commercial revenue already above the cap: nothing more
    assert aci_sites(aci={"commercial_revenue_eur": 31_000}) == 0


def test_dependence_is_yearly_and_needs_a_turnover() -> None:
    sites = [site(f"C{i}", 48.90 + 0.01 * i, 2.45, 100, value=6000) for i in range(2)]
    structures = [
        structure("near", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True, annual_turnover_eur=20_000),
        structure("far", "EI", 48.95, 2.6, {PAINT: 1000}, can_lead=True, annual_turnover_eur=0),
    ]
    distance = {"distance": 1, "balance": 0, "members": 0, "staffing": 0}
    # at most 30 % of 20,000 € a year: one year allows 6,000 €, one collège; the far EI (turnover 0,
    # not recorded) has no cap
    one = solver.solve(problem(sites, structures, weights=distance, max_dependence=0.3)).groupings[0]
    assert sorted(a.structure for a in one.assignments) == ["far", "near"]
    two_years = {"execution_start": "2026-01-01", "execution_end": "2027-12-31"}
    both = solver.solve(problem(sites, structures, weights=distance, max_dependence=0.3, tender=two_years))
    assert all(a.structure == "near" for a in both.groupings[0].assignments)


def test_territorial_presence() -> None:
    sites = [
        site("C1", 48.9, 2.45, 100, territory="Est Ensemble"),
        site("C2", 48.95, 2.36, 100, territory="Plaine Commune"),
    ]
    structures = [
        structure("est", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True, territory="Est Ensemble"),
        structure("plaine", "EI", 48.95, 2.40, {PAINT: 1000}, territory="Plaine Commune"),
    ]
    weights = {"distance": 0, "balance": 0, "members": 1, "staffing": 0}
    assert members(solver.solve(problem(sites, structures, weights=weights))) == {"est"}
    present = solver.solve(problem(sites, structures, weights=weights, territorial_presence=True))
    assert members(present) == {"est", "plaine"}
    sites.append(site("C3", 48.85, 2.5, 10, territory="Grand Paris Grand Est"))
    missing = solver.solve(problem(sites, structures, weights=weights, territorial_presence=True))
    assert missing.status == "optimal" and "territory_without_member" in codes(missing)


def test_replanning_keeps_what_can_be_kept() -> None:
    sites = collèges(4, hours=100)
    structures = [
        structure("a", "EI", 48.90, 2.45, {PAINT: 200}, can_lead=True),
        structure("b", "EI", 48.93, 2.45, {PAINT: 200}, can_lead=True),
        structure("c", "ACI", 48.91, 2.45, {PAINT: 400}),
    ]
    p = problem(sites, structures, weights=ALL)
    accepted = solver.solve(p).groupings[0]
    leaving = next(m.structure for m in accepted.members if m.role == "co-traitant")
    baseline = solver.problem.Baseline(
        assignments={a.site: a.structure for a in accepted.assignments}, withdrawn=[leaving], move_penalty=5.0
    )
    again = solver.replan(p, baseline).groupings[0]
    assert leaving not in {m.structure for m in again.members}
    lost = {a.site for a in accepted.assignments if a.structure == leaving}
    assert {m.site for m in again.moved} == lost
    assert all(m.from_ == leaving and m.to is not None for m in again.moved)
    kept = {a.site: a.structure for a in again.assignments}
    assert all(kept[s] == e for s, e in baseline.assignments.items() if s not in lost)


def test_alternatives_are_distinct_and_ranked() -> None:
    structures = [
        structure(f"e{j}", "EI", 48.9 + 0.01 * j, 2.45, {PAINT: 400}, can_lead=True) for j in range(4)
    ]
    plan = solver.solve(problem(collèges(3), structures, alternatives=4, weights=ALL))
    sets = [frozenset(members(plan, i)) for i in range(len(plan.groupings))]
    assert len(sets) == 4 and len(set(sets)) == 4
    assert [g.rank for g in plan.groupings] == [1, 2, 3, 4]
    objectives = [g.objective for g in plan.groupings]
    assert objectives == sorted(objectives)


@pytest.mark.parametrize("engine", ["highs", "cbc"])
def test_engines_agree_and_report_bound(engine: str) -> None:
    structures = [
        structure(f"e{j}", "EI", 48.9 + 0.02 * j, 2.45, {PAINT: 250}, can_lead=j == 0) for j in range(3)
    ]
    plan = solver.solve(problem(collèges(5), structures, engine=engine, weights=ALL))
    reference = solver.solve(problem(collèges(5), structures, weights=ALL))
    assert plan.status == "optimal"
    assert plan.groupings[0].objective == pytest.approx(reference.groupings[0].objective, abs=1e-6)
    assert plan.solver.bound is not None and plan.solver.bound <= plan.solver.objective + 1e-6  # type: ignore[operator]
    assert plan.solver.name.lower().startswith(engine[:3])


def test_progress_is_reported() -> None:
    events: list[dict[str, Any]] = []
    structures = [structure("e", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True)]
    solver.solve(problem(collèges(), structures), progress=events.append)
    stages = [e["stage"] for e in events]
    assert stages[0] == "eligibility" and "model" in stages and "grouping" in stages
    assert all(e["elapsed"] >= 0 for e in events)


def test_stage_reports_and_honest_status() -> None:
    structures = [
        structure(f"e{j}", "EI", 48.9 + 0.02 * j, 2.45, {PAINT: 250}, can_lead=True) for j in range(3)
    ]
    plan = solver.solve(problem(collèges(5), structures, weights=ALL))
    names = [s.name for s in plan.solver.stages]
    assert names[0] == "members" and set(names) <= {"members", "equalise", "count", "sets", "fixed", "all"}
    members_stage = plan.solver.stages[0]
    # the full objective adds the spread (≥ 0) to the first stage's terms: never below its bound
    assert members_stage.bound is not None and plan.solver.objective is not None
    assert members_stage.bound <= plan.solver.objective + 1e-9
    assert plan.status == "optimal" and plan.solver.gap is not None and plan.solver.gap <= 1e-9 + 1e-6


def test_replanning_keeps_the_mandataire() -> None:
    sites = collèges(4, hours=100)
    structures = [
        structure("a", "EI", 48.90, 2.45, {PAINT: 200}, can_lead=True),
        structure("b", "EI", 48.93, 2.45, {PAINT: 200}, can_lead=True),
    ]
    p = problem(sites, structures, weights=ALL)
    first = solver.solve(p).groupings[0]
    other = ({"a", "b"} - {first.mandataire}).pop()
    baseline = solver.problem.Baseline(
        assignments={a.site: a.structure for a in first.assignments}, mandataire=other, move_penalty=1.0
    )
    again = solver.replan(p, baseline).groupings[0]
    assert again.mandataire == other
    assert again.moved == []
