"""The demo's summary, as a coordinator reads it: in French, within 100 columns, the groupement's form,
its members as legal entities, the mises à disposition apart from the sous-traitance, each lot's
insertion hours, what is uncovered and why."""

from __future__ import annotations

import re
from datetime import date

from rich.console import Console

from app.demo.report import PlanReport
from solver.plan import (
    Assignment,
    Diagnostic,
    Grouping,
    Insertion,
    Member,
    Plan,
    SolverReport,
    Staffing,
    Subcontract,
    Terms,
)
from solver.problem import Lot, Options, PlanningProblem, Site, StructureSpec, TenderSpec

PAINT = "peinture-revetement-des-murs"
WIDTH = 100


def problem() -> PlanningProblem:
    sites = [
        Site(
            id="0931713G",
            name="Collège Lavoisier",
            lat=48.889,
            lon=2.42,
            territory="Est Ensemble",
            hours=1234.5,
            value_eur=53083.5,
        ),
        Site(
            id="0930888H",
            name="Collège Jean Jaurès",
            lat=48.95,
            lon=2.55,
            territory="Paris Terres d'Envol",
            hours=300,
            value_eur=12900,
        ),
    ]
    lot = Lot(
        id="L1", title="Peinture des collèges", trade=PAINT, reserved="siae", insertion_hours=900, sites=sites
    )
    return PlanningProblem(
        tender=TenderSpec(
            reference="T-1",
            title="Remise en peinture",
            kind="works",
            lots=[lot],
            execution_start=date(2026, 7, 1),
            execution_end=date(2028, 6, 30),
        ),
        structures=[
            StructureSpec(
                id="1",
                siret="39281437200034",
                name="Régie de Quartier Tremblay (EI)",
                kind="EI",
                lat=48.95,
                lon=2.57,
                territory="Paris Terres d'Envol",
                can_lead=True,
                capacities={PAINT: 1000},
            ),
            StructureSpec(
                id="2",
                siret="39281437200034",
                name="REGIE DE QUARTIER TREMBLAY",
                kind="ACI",
                lat=48.95,
                lon=2.57,
                capacities={PAINT: 500},
            ),
            StructureSpec(
                id="3",
                siret="78976102000021",
                name="URBAN DECO CONCEPT",
                kind="ACI",
                lat=48.9,
                lon=2.4,
                territory="Est Ensemble",
                capacities={PAINT: 800},
            ),
            StructureSpec(
                id="4",
                siret="50983553400017",
                name="ASSOCIATION INTERMEDIAIRE DE L'EST",
                kind="AI",
                lat=48.9,
                lon=2.45,
                mad_rate_eur_per_hour=21.5,
                mad_staff=20,
                capacities={PAINT: 900},
            ),
            StructureSpec(
                id="5",
                siret="80746931700018",
                name="Atelier Voisin",
                kind="EI",
                lat=48.9,
                lon=2.45,
                capacities={PAINT: 500},
            ),
            StructureSpec(
                id="6", name="Autre réseau", kind="EI", lat=48.95, lon=2.36, capacities={PAINT: 500}
            ),
        ],
        options=Options(gap_rel=1e-4),
    )


def member(structure: str, siren: str, structures: list[str], role: str, hours: float) -> Member:
    return Member(
        structure=structure,
        siren=siren,
        structures=structures,
        role=role,
        hours=hours,
        own_hours=hours,
        revenue_eur=hours * 43,
        tender_share=0.5,
        turnover_share=0.123,
        load_ratio=0.64,
        mean_distance_km=2.35,
    )


def grouping(**more: object) -> Grouping:
    return Grouping.model_validate(
        {
            "rank": 1,
            "objective": 0.0943,
            "form": "conjoint_mandataire_solidaire",
            "terms": Terms(
                members=2,
                distance_hour_km=3086.25,
                balance_spread=0.07,
                staffing_hours=400,
                insertion_hours=1010.4,
            ),
            "mandataire": "1",
            "members": [
                member("1", "392814372", ["1", "2"], "mandataire", 300),
                member("3", "789761020", ["3"], "co-traitant", 1234.5),
            ],
            "assignments": [
                Assignment(site="0931713G", structure="3", distance_km=2.5),
                Assignment(site="0930888H", structure="1", distance_km=0.8),
            ],
            "staffing": [
                Staffing(from_="4", to="3", lot="L1", trade=PAINT, hours=400, value_eur=8600, vat_rate=0.0)
            ],
            "subcontracts": [
                Subcontract(from_="3", to="5", lot="L1", trade=PAINT, hours=120.5, value_eur=5181.5)
            ],
            "insertion": [Insertion(lot="L1", required=900, delivered=1010.4)],
        }
        | more
    )


def text(report: PlanReport, width: int = WIDTH) -> str:
    console = Console(record=True, width=width)
    console.print(report.render())
    return console.export_text()


def test_the_summary_tells_the_story_in_french_and_the_law_s_words() -> None:
    plan = Plan(
        status="optimal",
        solver=SolverReport(name="HiGHS", objective=0.0943, gap=0.0, seconds=3.04),
        groupings=[grouping()],
    )
    out = text(PlanReport(problem(), plan, story="Le Département fait repeindre deux collèges"))
    first = out.strip().splitlines()[0]
    assert first.startswith("Le Département fait repeindre deux collèges : le meilleur groupement")
    flat = " ".join(out.split())
    assert "groupement conjoint, mandataire solidaire des autres membres" in flat
    assert "réunit 2 membres (3 structures)" in flat
    assert "qualité : meilleur groupement prouvé" in flat
    assert "exécution du 1 juillet 2026 au 30 juin 2028 (2 ans)" in flat
    # The members are legal entities: the régie's EI and ACI conventions are one member.
    assert "392814372" in out and "EI + ACI" in out
    # The AI puts staff at a member's disposal, VAT-exempt; the sous-traitance is apart, on DC4.
    assert "Mises à disposition de personnel" in flat and "pas de DC4" in flat
    staffing_line = next(line for line in out.splitlines() if "400" in line and "8 600 €" in line)
    assert "0 %" in staffing_line and "21,50" in staffing_line
    assert "Sous-traitance déclarée à l'acheteur (DC4" in flat and "Atelier Voisin (EI)" in out
    assert "5 182 €" in out and "120" in out
    # Each lot's clause sociale: required and delivered, in French numbers.
    clause = next(
        line
        for line in out.splitlines()
        if line.strip().startswith("L1 Peinture des collèges") and "900" in line
    )
    assert "1 010" in clause and "atteinte" in clause
    assert "12,3 %" in out and "1 234" in out
    for solver_word in ("objective", "0.0943", "hour·km", "gap", "stage"):
        assert solver_word not in out, solver_word


def test_every_line_fits_100_columns_and_no_column_is_cut() -> None:
    plan = Plan(
        status="feasible",
        solver=SolverReport(name="HiGHS", gap=0.0071, seconds=40.0),
        groupings=[grouping(), grouping(rank=2, mandataire="3", form="conjoint")],
    )
    out = text(PlanReport(problem(), plan))
    assert max(len(line) for line in out.splitlines()) <= WIDTH
    assert "…" not in out, "a cell was cut instead of wrapped"
    flat = " ".join(out.split())
    assert "au plus 0,7 % d'écart avec le meilleur groupement possible" in flat
    for heading in (
        "intermédiaire",
        "au profit de",
        "€/h",
        "montant HT",
        "TVA",
        "exigées",
        "réalisées",
        "dont MAD",
        "SIREN",
        "structures",
        "km moyen",
        "son CA",
        "charge",
        "mandataire",
        "sites non",
        "part du",
        "écart de",
    ):
        assert heading in out, heading
    # Every figure a coordinator checks is printed whole.
    for figure in ("1 234", "8 600 €", "21,50", "12,3 %", "2,4 km", "64 %"):
        assert re.search(re.escape(figure), out), figure


def test_an_uncovered_site_and_a_missed_clause_are_named_and_left_out_structures_listed() -> None:
    best = grouping(
        assignments=[Assignment(site="0931713G", structure="3", distance_km=1.2)],
        uncovered=["0930888H"],
        insertion=[Insertion(lot="L1", required=900, delivered=780)],
    )
    plan = Plan(
        status="feasible",
        solver=SolverReport(name="HiGHS", gap=0.12, seconds=3.0),
        groupings=[best],
        diagnostics=[
            Diagnostic(code="structure_not_selected_not_needed", structure="5", message="..."),
            Diagnostic(
                code="structure_not_selected_excluded", structure="6", message="Autre réseau is excluded."
            ),
            Diagnostic(
                code="site_uncovered_capacity_exhausted",
                site="0930888H",
                message="Site 0930888H non couvert : les structures à portée n'ont plus d'heures.",
            ),
        ],
    )
    out = text(PlanReport(problem(), plan, not_invited=["6"]))
    flat = " ".join(out.split())
    assert "Sites non couverts : 0930888H Collège Jean Jaurès" in flat
    assert "• Site 0930888H non couvert : les structures à portée n'ont plus d'heures." in flat
    assert "manque 120 h" in flat
    assert "le meilleur groupement s'en passe : Atelier Voisin (EI)." in flat
    assert "Autre réseau" not in out, "a structure not invited to the tender is not mentioned"
    assert "Paris Terres d'Envol a des sites mais aucun membre n'y est basé" not in flat


def test_a_plan_without_grouping_says_so_and_why() -> None:
    plan = Plan(
        status="infeasible",
        solver=SolverReport(name="HiGHS", seconds=0.1),
        diagnostics=[
            Diagnostic(
                code="no_possible_mandataire", message="Aucun mandataire possible : personne ne peut mener."
            )
        ],
    )
    out = text(PlanReport(problem(), plan))
    flat = " ".join(out.split())
    assert "Aucun groupement trouvé." in flat
    assert "Aucun mandataire possible" in flat
    assert "aucun groupement ne respecte toutes les règles" in flat
