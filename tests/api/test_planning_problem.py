"""What the API stores is what the solver reads: a tender and structures map to a planning problem."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.networks.service import authenticate
from app.plans.problem import build_problem
from app.tenders import service as tenders
from solver.problem import Options, PlanningProblem
from tests.api.conftest import PAINTING, Headers, structure_body, tender_body


def problem_of(db: Engine, headers: Headers, tender_id: int) -> PlanningProblem:
    with Session(db) as session:
        caller = authenticate(session, headers["Authorization"].removeprefix("Bearer "))
        assert caller is not None
        return build_problem(session, tenders.get(session, caller.network_id, tender_id), Options())


def post(client: TestClient, headers: Headers, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_api_records_make_a_planning_problem(client: TestClient, coordinator: Headers, db: Engine) -> None:
    posted_tender = tender_body()
    tender = post(client, coordinator, "/api/v1/tenders", posted_tender)
    structure = post(client, coordinator, "/api/v1/structures", structure_body())
    problem = problem_of(db, coordinator, tender["id"])
    assert problem.tender.reference == posted_tender["reference"]
    assert [s.model_dump(exclude_none=True) for s in problem.tender.lots[0].sites] == [
        site for site in posted_tender["lots"][0]["sites"]
    ]
    [spec] = problem.structures
    assert spec.id == str(structure["id"])
    assert (spec.siret, spec.kind, spec.capacities) == ("34980413800049", "ACI", {PAINTING: 3000})
    assert spec.labels == ["regie-de-quartier"] and spec.can_lead and spec.max_distance_km == 25


def test_legal_fields_reach_the_problem_and_unset_ones_take_the_planners_defaults(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    lots = [
        {
            "id": "L1",
            "trade": PAINTING,
            "kind": "works",
            "reserved": "both",
            "insertion_hours": 300,
            "essential": True,
            "sites": tender_body()["lots"][0]["sites"][:2],
        },
        {"id": "L2", "trade": PAINTING, "sites": tender_body()["lots"][0]["sites"][2:]},
    ]
    body = tender_body(lots=lots, reserved=True, execution_start="2026-07-01", execution_end="2028-06-30")
    tender = post(client, coordinator, "/api/v1/tenders", body)
    aci = post(
        client,
        coordinator,
        "/api/v1/structures",
        structure_body(
            legal_form="association",
            insertion_rate=0.85,
            annual_charges_eur=600000,
            commercial_revenue_eur=90000,
            aci_cap_rate=0.5,
        ),
    )
    ai = post(
        client,
        coordinator,
        "/api/v1/structures",
        structure_body(siret="38025324500050", kind="AI", mad_rate_eur_per_hour=21.5, mad_staff=30),
    )
    problem = problem_of(db, coordinator, tender["id"])
    assert (str(problem.tender.execution_start), str(problem.tender.execution_end)) == (
        "2026-07-01",
        "2028-06-30",
    )
    first, second = problem.tender.lots
    assert (first.kind, first.reserved, first.insertion_hours, first.essential) == (
        "works",
        "both",
        300,
        True,
    )
    # The tender is reserved to SIAE (L2113-13): a lot without its own reservation is too.
    assert (second.kind, second.reserved, second.insertion_hours, second.essential) == (
        None,
        "siae",
        0,
        False,
    )
    specs = {s.id: s for s in problem.structures}
    a, i = specs[str(aci["id"])], specs[str(ai["id"])]
    assert (
        a.legal_form,
        a.insertion_rate,
        a.annual_charges_eur,
        a.commercial_revenue_eur,
        a.aci_cap_rate,
    ) == (
        "association",
        0.85,
        600000,
        90000,
        0.5,
    )
    assert (i.mad_rate_eur_per_hour, i.mad_staff, i.siren) == (21.5, 30, "380253245")
    # Unset: the planner's defaults (an AI is an association, L5132-7).
    assert (i.legal_form, i.insertion_rate, i.form) == (None, None, "association")


def test_a_one_lot_tenders_clause_is_its_lots(client: TestClient, coordinator: Headers, db: Engine) -> None:
    tender = post(client, coordinator, "/api/v1/tenders", tender_body(insertion_hours=5000))
    post(client, coordinator, "/api/v1/structures", structure_body())
    [lot] = problem_of(db, coordinator, tender["id"]).tender.lots
    assert lot.insertion_hours == 5000
