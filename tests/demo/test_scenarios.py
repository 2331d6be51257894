"""The three Seine-Saint-Denis scenarios are valid planning problems that tell the seed's story."""

from __future__ import annotations

import json

import pytest

from app.demo import SCENARIOS, colleges, scenario, scenario_record, structure
from app.reference import is_cpv
from solver.problem import PlanningProblem
from tests.demo.feasibility import co_contractors, coverable, reachable

PAINT = "peinture-revetement-des-murs"
TERRITORIES = {"Est Ensemble", "Grand Paris Grand Est", "Paris Terres d'Envol", "Plaine Commune"}


def test_the_three_scenarios_have_stable_names() -> None:
    assert SCENARIOS == ("painting", "replacement", "textile")


def test_an_unknown_scenario_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"'cleaning'.*painting, replacement, textile"):
        scenario("cleaning")


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_is_a_valid_planning_problem(name: str) -> None:
    problem = scenario(name)
    # What `planner solve` and the API read back must give the same problem.
    assert PlanningProblem.model_validate(json.loads(problem.model_dump_json())) == problem
    record = scenario_record(name)
    assert record.tender.buyer == "Conseil départemental de la Seine-Saint-Denis"
    assert record.tender.reference.startswith("CD93-")
    assert record.tender.cpv
    for code in (*record.tender.cpv, *(lot.cpv or "" for lot in problem.tender.lots)):
        assert is_cpv(code), code
    for spec in problem.structures:
        full = structure(spec.id)
        assert (spec.siret, spec.kind) == (full.siret, full.kind)
        assert full.insertion_fte > 0 and full.postcode and full.address
        # The capacities of a scenario are limited to the tender's trades.
        assert set(spec.capacities) <= {lot.trade for lot in problem.tender.lots}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_can_cover_every_site(name: str) -> None:
    problem = scenario(name)
    reach = reachable(problem)
    assert [site for site, able in reach.items() if not able] == []
    assert coverable(problem)


def test_painting_covers_the_130_colleges_in_one_lot() -> None:
    problem = scenario("painting")
    assert problem.tender.kind == "works"
    assert [lot.trade for lot in problem.tender.lots] == [PAINT]
    assert {site.id for _, site in problem.tender.sites()} == {c.uai for c in colleges()}
    assert problem.tender.lots[0].cpv == "45442110-1"


def test_painting_is_answered_by_14_co_contractors_and_the_5_ai() -> None:
    problem = scenario("painting")
    kinds = [str(s.kind) for s in problem.structures]
    assert sum(k in ("EI", "ACI") for k in kinds) == 14
    assert kinds.count("AI") == 5
    assert len(kinds) == 19
    assert all(s.capacities.get(PAINT, 0) > 0 for s in problem.structures)
    assert any("regie-de-quartier" in s.labels for s in problem.structures)
    assert sum(s.can_lead for s in co_contractors(problem)) >= 2


def test_painting_has_a_member_in_every_territory_with_colleges() -> None:
    problem = scenario("painting")
    with_sites = {site.territory for _, site in problem.tender.sites()}
    assert with_sites == TERRITORIES
    assert {s.territory for s in co_contractors(problem)} >= with_sites


def test_painting_capacity_exceeds_the_hours_to_paint() -> None:
    problem = scenario("painting")
    hours = sum(site.hours for _, site in problem.tender.sites())
    assert sum(s.capacities[PAINT] for s in co_contractors(problem)) >= hours


def test_painting_options_follow_the_network_practice() -> None:
    options = scenario("painting").options
    assert options.max_members == 14
    assert options.alternatives == 3
    assert options.territorial_presence
    assert options.weights.staffing > 0, "the network wants its AI to get work"
    assert options.max_subcontracting_share > 0
    assert options.groupement_form == "conjoint_mandataire_solidaire"


def test_painting_is_reserved_with_a_clause_over_two_years() -> None:
    problem = scenario("painting")
    [lot] = problem.tender.lots
    assert (lot.kind, lot.reserved, lot.essential) == ("works", "siae", False)
    hours = sum(site.hours for site in lot.sites)
    assert 0.4 * hours <= lot.insertion_hours <= 0.6 * hours
    assert problem.tender.execution_years() == 2.0


def test_painting_holds_the_two_cases_of_one_legal_entity_with_several_structures() -> None:
    problem = scenario("painting")
    by_siren: dict[str, list[tuple[str | None, str]]] = {}
    for s in problem.structures:
        by_siren.setdefault(s.siren or s.id, []).append((s.siret, s.kind.value))
    # Régie de Quartier Tremblay: an EI and an ACI convention under one SIRET.
    assert sorted(by_siren["392814372"]) == [("39281437200034", "ACI"), ("39281437200034", "EI")]
    # URBAN DECO CONCEPT: two establishments (SIRETs) of one SIREN.
    assert sorted(by_siren["789761020"]) == [("78976102000021", "ACI"), ("78976102000039", "ACI")]
    assert len(by_siren) == len(problem.structures) - 2


def test_the_ai_and_acis_carry_the_figures_of_the_law() -> None:
    problem = scenario("painting")
    for s in problem.structures:
        assert s.legal_form in ("association", "company", "public") and s.insertion_rate is not None
        if s.kind == "AI":
            assert s.legal_form == "association" and s.mad_rate_eur_per_hour and s.mad_staff
        if s.kind == "ACI":
            assert s.annual_charges_eur and s.commercial_revenue_eur is not None


def test_every_lot_is_reserved_and_carries_a_clause() -> None:
    for name in SCENARIOS:
        for lot in scenario(name).tender.lots:
            assert lot.reserved == "siae" and lot.insertion_hours > 0, (name, lot.id)
    kits = scenario("textile").tender.lots[-1]
    assert (kits.kind, kits.trade) == ("supplies", "textiles-30")
    assert {lot.kind for lot in scenario("replacement").tender.lots} == {"staffing"}


def test_replacement_is_staffing_by_the_5_ai_and_5_etti() -> None:
    problem = scenario("replacement")
    assert problem.tender.kind == "staffing"
    kinds = sorted(str(s.kind) for s in problem.structures)
    assert kinds == ["AI"] * 5 + ["ETTI"] * 5
    assert {lot.trade for lot in problem.tender.lots} == {"nettoyage-de-locaux-16", "restauration-collective"}
    assert problem.options.weights.balance > 0
    sites = [site for _, site in problem.tender.sites()]
    assert sites and all(site.id[:8] in {c.uai for c in colleges()} for site in sites)


def test_textile_is_answered_by_4_complementary_structures() -> None:
    problem = scenario("textile")
    assert len(problem.structures) == 4
    lot_trades = {lot.trade for lot in problem.tender.lots}
    assert len(lot_trades) == len(problem.tender.lots) >= 3
    held = [set(s.capacities) & lot_trades for s in problem.structures]
    assert set().union(*held) == lot_trades
    assert all(trades != lot_trades for trades in held)
    assert any(s.can_lead for s in problem.structures)
