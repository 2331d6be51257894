"""What the API stores is what the solver reads: a tender and structures map to a planning problem."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.networks.service import authenticate
from app.structures import service as structures
from app.tenders import service as tenders
from solver.problem import PlanningProblem
from tests.api.conftest import PAINTING, Headers, structure_body, tender_body


def test_api_records_make_a_planning_problem(client: TestClient, coordinator: Headers, db: Engine) -> None:
    posted_tender = tender_body()
    tender = client.post("/api/v1/tenders", json=posted_tender, headers=coordinator).json()
    structure = client.post("/api/v1/structures", json=structure_body(), headers=coordinator).json()
    with Session(db) as session:
        caller = authenticate(session, coordinator["Authorization"].removeprefix("Bearer "))
        assert caller is not None
        problem = PlanningProblem(
            tender=tenders.spec(session, caller.network_id, tender["id"]),
            structures=structures.specs(session, caller.network_id),
        )
    assert problem.tender.reference == posted_tender["reference"]
    assert [s.model_dump(exclude_none=True) for s in problem.tender.lots[0].sites] == [
        site for site in posted_tender["lots"][0]["sites"]
    ]
    [spec] = problem.structures
    assert spec.id == str(structure["id"])
    assert (spec.siret, spec.kind, spec.capacities) == ("34980413800049", "ACI", {PAINTING: 3000})
    assert spec.labels == ["regie-de-quartier"] and spec.can_lead and spec.max_distance_km == 25
