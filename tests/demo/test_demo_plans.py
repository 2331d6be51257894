"""The demo's plans, checked as a coordinator and a procurement lawyer check a proposed groupement.

Each scenario is loaded and planned as `planner demo` does (plans service, job runner), with a time
limit: a time-limited plan must satisfy every rule too. Every figure is recomputed here from the plan's
assignments, mises à disposition and sous-traitance lines and the problem's sites and structures, never
read from the solver's own member figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pytest
from rich.console import Console
from sqlalchemy import Engine

from app.demo import SCENARIOS
from app.demo.french import FORMS
from app.demo.report import PlanReport
from app.demo.run import ScenarioPlan, load_scenarios, plan_scenario
from solver.plan import Grouping, Member
from solver.problem import INTERMEDIARY_KINDS, PlanningProblem, StructureKind, StructureSpec
from tests.demo.feasibility import haversine_km

pytestmark = pytest.mark.slow

# Seconds per scenario: short, so the plans are time-limited ones (feasible, not proven optimal) in
# painting and replacement. Painting needs some 20 s of a free core to balance its 130 collèges (at
# 10 s its best grouping is feasible but lopsided): 30 s leaves room for a busy machine.
TIME_LIMITS = {"painting": 30.0, "replacement": 15.0, "textile": 10.0}
# The seed: "14 SIAE (EI, ACI and régies de quartier)" answer the painting market together.
PAINTING_MEMBERS = 14
# Kinds that may sign as co-traitant: the intermédiaires do so only in staffing lots (elsewhere they put
# staff at the members' disposal); the sous-traitants are EI, ACI or EITI.
SIGNING = {StructureKind.EI, StructureKind.ACI, StructureKind.EITI}
CO_CONTRACTORS = {
    "works": SIGNING,
    "services": SIGNING,
    "supplies": SIGNING,
    "staffing": set(INTERMEDIARY_KINDS),
}
# Code du travail L5132-9: an AI puts a person at a company's disposal for at most 480 h per 24 months.
AI_HOURS_PER_PERSON = 480
CENT = 0.01
HOUR = 1e-6


@pytest.fixture(scope="module")
def planned(demo_engine: Engine) -> dict[str, ScenarioPlan]:
    loaded = load_scenarios(demo_engine, list(SCENARIOS))
    return {
        item.scenario.name: plan_scenario(demo_engine, loaded, item, TIME_LIMITS[item.scenario.name])
        for item in loaded.scenarios
    }


@dataclass
class Split:
    """Hours and euros of each member (legal entity), recomputed from the grouping's lines."""

    entity: dict[str, str]  # structure -> the member (its representative structure) it belongs to
    hours: dict[tuple[str, str], float]  # (member, lot) -> hours of its sites
    value: dict[str, float]  # member -> value of its sites
    staffed: dict[tuple[str, str], float]  # (member, lot) -> hours put at its disposal
    out_hours: dict[tuple[str, str], float]  # (member, lot) -> hours it subcontracts
    out_value: dict[str, float]  # member -> value it subcontracts
    site_value: dict[str, float]  # structure -> value of its own sites

    def own_hours(self, member: str, lot: str) -> float:
        """What the member's own staff do on the lot."""
        return self.hours[member, lot] - self.staffed[member, lot] - self.out_hours[member, lot]

    def revenue(self, member: str) -> float:
        return self.value[member] - self.out_value[member]


def structures_of(member: Member) -> list[str]:
    return member.structures or [member.structure]


def split(problem: PlanningProblem, grouping: Grouping) -> Split:
    sites = {site.id: (lot, site) for lot, site in problem.tender.sites()}
    # The price of an hour of a lot: what a subcontracted hour is worth to the buyer.
    eur_per_hour = {
        lot.id: sum(s.value_eur for s in lot.sites) / sum(s.hours for s in lot.sites)
        for lot in problem.tender.lots
    }
    entity = {s: m.structure for m in grouping.members for s in structures_of(m)}
    out = Split(
        entity,
        defaultdict(float),
        defaultdict(float),
        defaultdict(float),
        defaultdict(float),
        defaultdict(float),
        defaultdict(float),
    )
    for a in grouping.assignments:
        lot, site = sites[a.site]
        out.hours[entity[a.structure], lot.id] += site.hours
        out.value[entity[a.structure]] += site.value_eur
        out.site_value[a.structure] += site.value_eur
    for line in grouping.staffing:
        out.staffed[entity[line.to], line.lot] += line.hours
    for sc in grouping.subcontracts:
        assert sc.lot is not None, "a sous-traitance line names its lot"
        out.out_hours[entity[sc.from_], sc.lot] += sc.hours
        out.out_value[entity[sc.from_]] += sc.hours * eur_per_hour[sc.lot]
    return out


def best(plan: ScenarioPlan) -> tuple[PlanningProblem, Grouping, dict[str, StructureSpec]]:
    assert plan.status == "done", plan.reason
    assert plan.plan is not None and plan.plan.status in ("optimal", "feasible", "timeout")
    assert plan.plan.groupings, "no grouping proposed"
    return plan.problem, plan.plan.groupings[0], {s.id: s for s in plan.problem.structures}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_site_is_covered_once_by_a_member_in_reach(planned: dict[str, ScenarioPlan], name: str) -> None:
    problem, grouping, structures = best(planned[name])
    in_members = {s for m in grouping.members for s in structures_of(m)}
    sites = {site.id: (lot, site) for lot, site in problem.tender.sites()}

    carried = [a.site for a in grouping.assignments]
    assert sorted(carried) == sorted(sites), "every collège (site) carried exactly once"
    assert grouping.uncovered == []
    for a in grouping.assignments:
        lot, site = sites[a.site]
        st = structures[a.structure]
        assert a.structure in in_members
        assert st.capacities.get(lot.trade, 0) > 0, f"{st.name} does not hold the trade of {a.site}"
        assert st.kind in CO_CONTRACTORS[problem.tender.lot_kind(lot).value]
        reach = min(d for d in (st.max_distance_km, problem.options.max_distance_km, float("inf")) if d)
        assert haversine_km(site.lat, site.lon, st.lat, st.lon) <= reach + 1e-9, f"{a.site} out of reach"


@pytest.mark.parametrize("name", SCENARIOS)
def test_members_are_legal_entities_and_no_two_share_a_siren(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, structures = best(planned[name])
    sirens = [m.siren for m in grouping.members]
    assert len(set(sirens)) == len(sirens), f"two members share a SIREN: {sirens}"
    for m in grouping.members:
        assert m.structure in structures_of(m)
        assert {structures[s].siren for s in structures_of(m)} == {m.siren}
    every = [s for m in grouping.members for s in structures_of(m)]
    assert len(every) == len(set(every)), "a structure belongs to one member"
    assert grouping.terms.members == len(grouping.members)
    assert len(grouping.members) <= (problem.options.max_members or len(problem.structures))
    # One member alone is a candidat individuel; otherwise the members' choice is carried.
    expected = "individuel" if len(grouping.members) == 1 else problem.options.groupement_form
    assert grouping.form == expected


def test_the_painting_pooling_cases_are_one_member_each(planned: dict[str, ScenarioPlan]) -> None:
    """The Régie de Quartier Tremblay (EI + ACI under one SIRET) and URBAN DECO CONCEPT (two SIRETs of one
    SIREN): whichever of their structures work, they do so as one member."""
    _, grouping, structures = best(planned["painting"])
    for siren in ("392814372", "789761020"):
        holding = [m for m in grouping.members if any(structures[s].siren == siren for s in structures_of(m))]
        assert len(holding) <= 1, f"SIREN {siren} is {len(holding)} members"
        working = {a.structure for a in grouping.assignments if structures[a.structure].siren == siren}
        if holding:
            assert working <= set(structures_of(holding[0]))


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_mandataire_able_to_lead(planned: dict[str, ScenarioPlan], name: str) -> None:
    _, grouping, structures = best(planned[name])
    [lead] = [m for m in grouping.members if m.role == "mandataire"]
    assert lead.structure == grouping.mandataire
    assert any(structures[s].can_lead for s in structures_of(lead))


@pytest.mark.parametrize("name", SCENARIOS)
def test_only_invited_structures_answer(planned: dict[str, ScenarioPlan], name: str) -> None:
    problem, grouping, _ = best(planned[name])
    involved = {s for m in grouping.members for s in structures_of(m)}
    involved |= {sc.to for sc in grouping.subcontracts} | {line.from_ for line in grouping.staffing}
    assert not involved & set(problem.options.excluded)


def test_the_painting_gme_has_at_most_14_members(planned: dict[str, ScenarioPlan]) -> None:
    _, grouping, _ = best(planned["painting"])
    assert 1 <= len(grouping.members) <= PAINTING_MEMBERS


def test_the_ai_only_put_staff_at_the_members_disposal_in_painting(planned: dict[str, ScenarioPlan]) -> None:
    problem, grouping, structures = best(planned["painting"])
    ai = {s for s, st in structures.items() if st.kind == StructureKind.AI}
    assert not ai & {s for m in grouping.members for s in structures_of(m)}, "an AI is no co-traitant here"
    assert not ai & {a.structure for a in grouping.assignments}
    assert not ai & {sc.to for sc in grouping.subcontracts}, "a mise à disposition is not sous-traitance"
    assert sum(line.hours for line in grouping.staffing if line.from_ in ai) > 0, "the AI get no work"
    entity = {s: m.structure for m in grouping.members for s in structures_of(m)}
    periods = problem.tender.staffing_periods()
    to_company: dict[tuple[str, str], float] = defaultdict(float)
    for line in grouping.staffing:
        st = structures[line.from_]
        assert st.kind in INTERMEDIARY_KINDS and line.to in entity, "staff go to a member"
        assert line.vat_rate == (0.0 if st.kind == StructureKind.AI else 0.2)
        assert line.value_eur == pytest.approx(line.hours * (st.mad_rate_eur_per_hour or 0), abs=CENT)
        assert line.hours <= st.capacities.get(line.trade, 0) + HOUR
        if st.kind == StructureKind.AI and structures[line.to].form == "company":
            to_company[line.from_, entity[line.to]] += line.hours
    for (a, _), h in to_company.items():
        cap = AI_HOURS_PER_PERSON * (structures[a].mad_staff or 0) * periods
        assert h <= cap + HOUR, f"{structures[a].name} puts {h:.0f} h at a company's disposal (cap {cap})"
    assert grouping.terms.staffing_hours == pytest.approx(sum(line.hours for line in grouping.staffing))


@pytest.mark.parametrize("name", SCENARIOS)
def test_sous_traitance_goes_to_siae_outside_the_gme_and_never_the_whole_part(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, structures = best(planned[name])
    work = split(problem, grouping)
    in_members = {s for m in grouping.members for s in structures_of(m)}
    lots = {lot.id: lot for lot in problem.tender.lots}
    for sc in grouping.subcontracts:
        assert structures[sc.to].kind in SIGNING and sc.to not in in_members
        assert sc.lot is not None and not lots[sc.lot].essential, "no sous-traitance of essential tasks"
    share = problem.options.max_subcontracting_share
    for (member, lot), given in work.out_hours.items():
        assert given <= share * work.hours[member, lot] + HOUR, (
            f"{structures[member].name} subcontracts too much"
        )


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_lot_s_insertion_hours_are_met(planned: dict[str, ScenarioPlan], name: str) -> None:
    """Delivered = Σ own hours on the lot × the structure's insertion rate + Σ hours put at disposal.

    The sites' hours count at their structure's rate. Staff put at a member's disposal replace hours
    of its own staff, and a sous-traitant takes some: a member holding structures of different rates
    (the Régie de Quartier Tremblay's EI and ACI) may have them replace either, so the recomputed figure
    lies between the member's lowest and highest rate."""
    problem, grouping, structures = best(planned[name])
    by_lot = {row.lot: row for row in grouping.insertion}
    assert set(by_lot) == {lot.id for lot in problem.tender.lots}
    entity = {s: m for m in grouping.members for s in structures_of(m)}
    rates = {m.structure: [structures[s].insertion for s in structures_of(m)] for m in grouping.members}
    for lot in problem.tender.lots:
        ids = {site.id for site in lot.sites}
        sites = sum(
            site.hours * structures[a.structure].insertion
            for a in grouping.assignments
            for site in lot.sites
            if a.site == site.id and a.site in ids
        )
        low = high = sites
        for line in grouping.staffing:
            if line.lot == lot.id:
                r = rates[entity[line.to].structure]
                low, high = low + line.hours * (1 - max(r)), high + line.hours * (1 - min(r))
        for sc in grouping.subcontracts:
            if sc.lot == lot.id:
                r = rates[entity[sc.from_].structure]
                low, high = low - sc.hours * max(r), high - sc.hours * min(r)
        row = by_lot[lot.id]
        assert row.required == lot.insertion_hours > 0
        assert low - 1e-3 <= row.delivered <= high + 1e-3, (lot.id, low, row.delivered, high)
        assert row.delivered >= lot.insertion_hours - HOUR, (
            f"{lot.id}: {row.delivered:.0f} of {lot.insertion_hours:.0f} h"
        )


@pytest.mark.parametrize("name", ["painting", "replacement"])
def test_every_territory_with_sites_has_a_member_based_in_it(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, structures = best(planned[name])
    assert problem.options.territorial_presence
    with_sites = {site.territory for _, site in problem.tender.sites()}
    based = {structures[s].territory for m in grouping.members for s in structures_of(m)}
    assert None not in with_sites, "every collège lies in an EPT"
    assert with_sites <= based, f"no member based in {with_sites - based}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_member_over_its_capacity_and_every_aci_within_d5132_34(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, structures = best(planned[name])
    work = split(problem, grouping)
    years = problem.tender.execution_years()
    for m in grouping.members:
        for lot in problem.tender.lots:
            capacity = sum(structures[s].capacities.get(lot.trade, 0) for s in structures_of(m))
            assert work.own_hours(m.structure, lot.id) <= capacity + HOUR, f"{m.structure} over capacity"
        for s in structures_of(m):
            st = structures[s]
            if st.kind == StructureKind.ACI and st.annual_charges_eur is not None:
                # Its revenue is at least its sites' value less all its member's sous-traitance.
                least = work.site_value[s] - work.out_value[m.structure]
                room = st.cap_rate * st.annual_charges_eur - (st.commercial_revenue_eur or 0.0)
                assert least / years <= room + CENT, (
                    f"{st.name}: {least / years:.0f} € a year, room {room:.0f}"
                )


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_printed_member_figures_are_those_of_the_lines(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, _ = best(planned[name])
    work = split(problem, grouping)
    for m in grouping.members:
        hours = sum(h for (e, _), h in work.hours.items() if e == m.structure)
        own = sum(work.own_hours(m.structure, lot.id) for lot in problem.tender.lots)
        assert m.hours == pytest.approx(hours)
        assert m.own_hours == pytest.approx(own, abs=HOUR * 10)
        assert m.revenue_eur == pytest.approx(work.revenue(m.structure), abs=CENT * 10)


def test_the_printed_painting_summary_shows_form_members_staffing_and_clause(
    planned: dict[str, ScenarioPlan],
) -> None:
    plan = planned["painting"]
    problem, grouping, structures = best(plan)
    assert plan.plan is not None
    console = Console(record=True, width=100)
    console.print(PlanReport(problem, plan.plan, not_invited=plan.not_invited, story=plan.story).render())
    out = console.export_text()
    flat = " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 100 and "…" not in out
    assert flat.startswith("Le Conseil départemental de la Seine-Saint-Denis fait repeindre ses 130 collèges")
    assert FORMS[grouping.form] in flat
    for m in grouping.members:
        assert m.siren is not None and m.siren in out
    assert "Mises à disposition de personnel" in flat and "pas de DC4" in flat
    for line in grouping.staffing:
        assert structures[line.from_].name.split()[0] in out
    [row] = grouping.insertion
    clause = next(text for text in out.splitlines() if text.strip().startswith("L1 Remise en peinture"))
    assert f"{row.required:,.0f}".replace(",", " ") in clause and "atteinte" in clause


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_load_is_spread_no_worse_than_a_careful_split_by_hand(
    planned: dict[str, ScenarioPlan], name: str
) -> None:
    problem, grouping, structures = best(planned[name])
    work = split(problem, grouping)
    members = [m.structure for m in grouping.members]
    pooled = {m.structure: structures_of(m) for m in grouping.members}
    trades = {lot.trade for lot in problem.tender.lots}

    def capacity_in(e: str, trade: str) -> float:
        return sum(structures[s].capacities.get(trade, 0) for s in pooled[e])

    capacity = {e: sum(capacity_in(e, t) for t in trades) for e in members}

    def load(own: dict[str, float]) -> list[float]:
        return [own[e] / capacity[e] for e in members]

    actual = load({e: sum(work.own_hours(e, lot.id) for lot in problem.tender.lots) for e in members})

    # The bound. A coordinator splitting the tender by hand among these members would give each lot's
    # hours to the members holding its trade in proportion to their capacity in it; the spread of that
    # split is what the trades alone force. Sites are whole: a member may end up to one site away from
    # its proportional share, and the staff put at a member's disposal lower its own hours by at most
    # what it received. A plan more spread out than the proportional split plus one such site and the
    # hours received is less fair than that hand split.
    proportional: dict[str, float] = defaultdict(float)
    for lot in problem.tender.lots:
        holders = {e: capacity_in(e, lot.trade) for e in members}
        hours = sum(site.hours for site in lot.sites)
        for e, c in holders.items():
            proportional[e] += hours * c / sum(holders.values())
    by_hand = load(proportional)

    def largest_site(e: str) -> float:
        return max(s.hours for lot in problem.tender.lots for s in lot.sites if capacity_in(e, lot.trade))

    one_site = max(largest_site(e) / capacity[e] for e in members)
    received = max(sum(h for (e2, _), h in work.staffed.items() if e2 == e) / capacity[e] for e in members)
    bound = max(by_hand) - min(by_hand) + one_site + received

    result = planned[name].plan
    gap = result.solver.gap if result is not None else None
    assert max(actual) - min(actual) <= bound, (
        f"load ratios from {min(actual):.2f} to {max(actual):.2f}, bound {bound:.3f} "
        f"(solver gap {gap}, time limit {problem.options.time_limit_s} s)"
    )
    assert grouping.terms.balance_spread == pytest.approx(max(actual) - min(actual), abs=1e-6)


def test_the_textile_order_is_covered_across_all_its_trades(planned: dict[str, ScenarioPlan]) -> None:
    problem, grouping, structures = best(planned["textile"])
    carried = {a.site: a.structure for a in grouping.assignments}
    assert len({lot.trade for lot in problem.tender.lots}) == 4
    for lot in problem.tender.lots:
        missing = [s.id for s in lot.sites if s.id not in carried]
        assert not missing, f"{lot.title}: {missing} not carried"
        for site in lot.sites:
            assert structures[carried[site.id]].capacities.get(lot.trade, 0) > 0
