"""The demo's summary says what a coordinator must act on: uncovered sites, no grouping, why."""

from __future__ import annotations

from rich.console import Console

from app.demo.report import PlanReport
from solver.plan import Assignment, Diagnostic, Grouping, Member, Plan, SolverReport, Terms
from solver.problem import Lot, PlanningProblem, Site, StructureSpec, TenderSpec

PAINT = "peinture-revetement-des-murs"


def problem() -> PlanningProblem:
    sites = [
        Site(
            id="0931713G",
            name="Collège Lavoisier",
            lat=48.889,
            lon=2.42,
            territory="Est Ensemble",
            hours=400,
            value_eur=17200,
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
    return PlanningProblem(
        tender=TenderSpec(reference="T-1", kind="works", lots=[Lot(id="L1", trade=PAINT, sites=sites)]),
        structures=[
            StructureSpec(
                id="1",
                name="Régie Est",
                kind="EI",
                lat=48.88,
                lon=2.43,
                territory="Est Ensemble",
                can_lead=True,
                capacities={PAINT: 1000},
            ),
            StructureSpec(
                id="2", name="Atelier Nord", kind="ACI", lat=48.95, lon=2.36, capacities={PAINT: 500}
            ),
            StructureSpec(
                id="3", name="Autre réseau", kind="EI", lat=48.95, lon=2.36, capacities={PAINT: 500}
            ),
        ],
    )


def text(report: PlanReport) -> str:
    console = Console(record=True, width=200)
    console.print(report.render())
    return console.export_text()


def test_an_uncovered_site_is_named_and_left_out_structures_listed() -> None:
    member = Member(
        structure="1",
        role="mandataire",
        hours=400,
        own_hours=400,
        revenue_eur=17200,
        tender_share=0.57,
        turnover_share=None,
        load_ratio=0.4,
        mean_distance_km=1.2,
    )
    grouping = Grouping(
        rank=1,
        objective=1.0,
        terms=Terms(members=1),
        mandataire="1",
        members=[member],
        assignments=[Assignment(site="0931713G", structure="1", distance_km=1.2)],
        uncovered=["0930888H"],
    )
    plan = Plan(
        status="feasible",
        solver=SolverReport(name="HiGHS", gap=0.12, seconds=3.0),
        groupings=[grouping],
        diagnostics=[
            Diagnostic(code="structure_not_selected_not_needed", structure="2", message="..."),
            Diagnostic(
                code="structure_not_selected_excluded", structure="3", message="Autre réseau is excluded."
            ),
        ],
    )

    out = text(PlanReport(problem(), plan, not_invited=["3"]))

    assert "Uncovered: 0930888H Collège Jean Jaurès" in out
    assert "Régie Est" in out and "mandataire" in out
    assert "gap 12.0%" in out
    assert "does without them: Atelier Nord (ACI)." in out
    assert "Autre réseau" not in out, "a structure not invited to the tender is not mentioned"


def test_a_plan_without_grouping_says_so_and_why() -> None:
    plan = Plan(
        status="infeasible",
        solver=SolverReport(name="HiGHS", seconds=0.1),
        diagnostics=[
            Diagnostic(code="no_possible_mandataire", message="No structure able to lead can take part.")
        ],
    )

    out = text(PlanReport(problem(), plan))

    assert "No grouping found." in out
    assert "[no_possible_mandataire] No structure able to lead can take part." in out
