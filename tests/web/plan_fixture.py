"""A tender, three structures and a done plan of contract shape, stored without solving (fast pages).

The plan's figures are hand-made and consistent with each other: two members of three structures
(two establishments of one SIREN count as one member), one ACI left out, one AI putting staff at a
member's disposal, one subcontract, the insertion hours of the lot, a second grouping, diagnostics.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.core.security import token_digest
from app.networks.models import ApiKey
from app.plans.models import Plan

Headers = dict[str, str]
PAINTING = "peinture-revetement-des-murs"
SITES = [
    {"id": "0931713G", "name": "Collège Lavoisier", "lat": 48.889, "lon": 2.420, "territory": "Est Ensemble",
     "hours": 1200, "value_eur": 54000},
    {"id": "0930943E", "name": "Collège Jean Moulin", "lat": 48.917, "lon": 2.383,
     "territory": "Plaine Commune",
     "hours": 420, "value_eur": 18900},
    {"id": "0932086L", "name": "Collège Pierre Curie", "lat": 48.93, "lon": 2.52, "territory": "Est Ensemble",
     "hours": 300, "value_eur": 13500},
]  # fmt: skip
STRUCTURES = [
    # JADE (ACI, La Courneuve) and a second establishment of the same SIREN; LA MARMITE (ACI, Bondy);
    # an AI. Public names and places (ASP list of SIAE, 2021); figures illustrative.
    {"siret": "34980413800049", "name": "JADE", "kind": "ACI", "lat": 48.924896, "lon": 2.414678,
     "territory": "Plaine Commune", "annual_turnover_eur": 750000, "can_lead": True,
     "capacities": {PAINTING: 3000}},
    {"siret": "34980413800056", "name": "JADE Montreuil", "kind": "ACI", "lat": 48.86, "lon": 2.44,
     "territory": "Est Ensemble", "annual_turnover_eur": 0, "capacities": {PAINTING: 500}},
    {"siret": "39758222200055", "name": "LA MARMITE", "kind": "ACI", "lat": 48.915137, "lon": 2.479056,
     "territory": "Est Ensemble", "annual_turnover_eur": 480000, "capacities": {PAINTING: 2000}},
    {"siret": "41920613100031", "name": "RICOCHET", "kind": "AI", "lat": 48.855581, "lon": 2.436685,
     "territory": "Est Ensemble", "annual_turnover_eur": 420000, "capacities": {PAINTING: 800}},
    {"siret": "39887684700037", "name": "ASSOC FEMMES ACTIVES", "kind": "ACI", "lat": 48.927268,
     "lon": 2.370577, "territory": "Plaine Commune", "annual_turnover_eur": 390000, "max_distance_km": 1,
     "capacities": {PAINTING: 2200}},
]  # fmt: skip


def _grouping(rank: int, ids: list[str], objective: float) -> dict[str, Any]:
    jade, jade2, marmite, ricochet = ids[:4]
    members = [
        {"structure": jade, "siren": "349804138", "structures": [jade, jade2], "role": "mandataire",
         "hours": 1620, "own_hours": 1234.5, "revenue_eur": 72900, "tender_share": 0.84375,
         "turnover_share": 0.0972, "load_ratio": 0.3527, "mean_distance_km": 4.2},
        {"structure": marmite, "siren": "397582222", "structures": [marmite], "role": "co-traitant",
         "hours": 300, "own_hours": 300, "revenue_eur": 13500, "tender_share": 0.15625,
         "turnover_share": 0.0281, "load_ratio": 0.15, "mean_distance_km": 4.9},
    ]  # fmt: skip
    if rank == 2:
        members = members[:1]
        members[0] = members[0] | {"hours": 1920, "tender_share": 1.0}
    assignments = [
        {"site": "0931713G", "structure": jade, "distance_km": 4.1},
        {"site": "0930943E", "structure": jade2 if rank == 1 else jade, "distance_km": 3.3},
        {"site": "0932086L", "structure": marmite if rank == 1 else jade, "distance_km": 4.9},
    ]
    return {
        "rank": rank,
        "objective": objective,
        "form": "conjoint_mandataire_solidaire" if rank == 1 else "individuel",
        "terms": {"distance_hour_km": 7776.0, "balance_spread": 0.2027, "members": len(members),
                  "subcontracted_hours": 85.5, "staffing_hours": 300, "insertion_hours": 1100},
        "mandataire": jade,
        "members": members,
        "assignments": assignments,
        "staffing": [{"from": ricochet, "to": jade, "lot": "L1", "trade": PAINTING, "hours": 300,
                      "value_eur": 6600, "vat_rate": 0.0}],
        "subcontracts": [{"from": jade, "to": marmite, "lot": "L1", "trade": PAINTING, "hours": 85.5,
                          "value_eur": 3847.5}] if rank == 2 else [],
        "insertion": [{"lot": "L1", "required": 1500, "delivered": 1100}],
        "uncovered": [],
    }  # fmt: skip


def done_plan(
    client: TestClient, engine: Engine, headers: Headers, *, status: str = "feasible", gap: float = 0.007
) -> dict[str, Any]:
    """Create the structures and the tender through the API, and store a done plan of them."""
    ids = [str(client.post("/api/v1/structures", json=s, headers=headers).json()["id"]) for s in STRUCTURES]
    tender = client.post(
        "/api/v1/tenders",
        json={"reference": "CD93-2026-PEINT", "title": "Peinture des collèges", "kind": "works",
              "insertion_hours": 1500,
              "lots": [{"id": "L1", "title": "Peinture", "trade": PAINTING, "sites": SITES}]},
        headers=headers,
    ).json()  # fmt: skip
    problem: dict[str, Any] = {
        "tender": {"reference": "CD93-2026-PEINT", "kind": "works",
                   "lots": [{"id": "L1", "title": "Peinture", "trade": PAINTING, "sites": SITES}]},
        "structures": [s | {"id": i} for s, i in zip(STRUCTURES, ids, strict=True)],
        "options": {"alternatives": 2, "time_limit_s": 10, "excluded": []},
    }  # fmt: skip
    result = {
        "status": status,
        "solver": {"name": "HiGHS", "objective": 0.5, "bound": 0.4965, "gap": gap, "seconds": 10.0},
        "groupings": [_grouping(1, ids, 0.5), _grouping(2, ids, 0.55)],
        "diagnostics": [
            {"code": "structure_not_selected_distance", "message": "ASSOC FEMMES ACTIVES is too far.",
             "structure": ids[4],
             "site": None},
            {"code": "fewer_alternatives", "message": "Only 2 distinct groupings exist.", "structure": None,
             "site": None},
        ],
    }  # fmt: skip
    with Session(engine) as session:
        plan = Plan(
            network_id=_network_id(engine, headers),
            tender_id=tender["id"],
            status="done",
            options=problem["options"],
            problem=problem,
            result=result,
        )
        session.add(plan)
        session.commit()
        session.refresh(plan)
    return {"plan_id": plan.id, "tender_id": tender["id"], "structure_ids": ids, "sites": SITES}


def _network_id(engine: Engine, headers: Headers) -> int:
    token = headers["Authorization"].removeprefix("Bearer ")
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.digest == token_digest(token))).one()
        return key.network_id
