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
