"""The OpenAPI document is usable by back-office developers: a typed client generated from it with a
standard generator (openapi-python-client) drives the main flow.

The generator's warnings are checked too: a schema it must drop, or an endpoint it cannot generate,
is a defect of the document.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integrations.conftest import PLANNED_TENDER, STRUCTURES, Headers

# What the generator may say without a defect of the document: PDF answers are returned as bytes, and
# the CSV import is generated from its `application/octet-stream` alternative (a file upload).
ACCEPTED_WARNINGS = ("Unsupported content_type application/pdf", "Unsupported content type text/csv")


@pytest.fixture(scope="module")
def generated(app: FastAPI, tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, str]:
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(json.dumps(app.openapi()))
    (root / "config.json").write_text(
        json.dumps({"post_hooks": [], "package_name_override": "planner_client"})
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.json",
            "--meta",
            "none",
            "--output-path",
            "planner_client",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("planner_client"), run.stdout + run.stderr
    finally:
        sys.path.remove(str(root))


def test_the_generator_drops_no_schema_and_no_endpoint(generated: tuple[ModuleType, str]) -> None:
    _, output = generated
    problems = [
        block.strip()
        for block in output.split("WARNING")[1:]
        if not any(w in block for w in ACCEPTED_WARNINGS)
    ] + [line for line in output.splitlines() if line.startswith("Unable to")]
    assert problems == []


def _op(tag: str, operation: str) -> Any:
    """One generated operation module, e.g. `_op("structures", "create_structure").sync(...)`."""
    package = importlib.import_module(f"planner_client.api.{tag}")
    (name,) = [p.stem for p in Path(package.__path__[0]).glob(f"{operation}_api_v1_*.py")]
    return importlib.import_module(f"planner_client.api.{tag}.{name}")


def test_main_flow_through_the_generated_client(
    generated: tuple[ModuleType, str], app: FastAPI, client: TestClient, coordinator: Headers, solving: None
) -> None:
    # The client exists once generated (by the fixture): imported here, not at the top of the module.
    from planner_client import AuthenticatedClient
    from planner_client.models import (
        AcceptRequest,
        PlanCreate,
        StructureCreate,
        TenderCreate,
    )
    from planner_client.types import File

    token = coordinator["Authorization"].removeprefix("Bearer ")
    api = AuthenticatedClient(base_url="http://testserver", token=token)
    # In-process transport: the requests go through the application, as over the network.
    api.set_httpx_client(TestClient(app, base_url="http://testserver", headers=coordinator))

    created = _op("structures", "create_structure").sync(
        client=api, body=StructureCreate.from_dict(STRUCTURES[0])
    )
    assert created.siret == STRUCTURES[0]["siret"] and created.kind.value == "EI"
    assert _op("structures", "read_structure").sync(created.id, client=api).name == created.name

    csv = "siret,name,kind,lat,lon,capacities\n" + "\n".join(
        f"{s['siret']},{s['name']},{s['kind']},{s['lat']},{s['lon']},peinture-revetement-des-murs:400"
        for s in STRUCTURES[1:]
    )
    report = _op("structures", "import_structures").sync(
        client=api, body=File(payload=csv.encode(), file_name="siae.csv", mime_type="text/csv")
    )
    assert (report.created, report.rejected) == (2, 0)
    listed = _op("structures", "list_structures").sync(client=api)
    assert listed.total == 3

    tender = _op("tenders", "create_tender").sync(client=api, body=TenderCreate.from_dict(PLANNED_TENDER))
    read = _op("tenders", "read_tender").sync(tender.id, client=api)
    assert [lot.id for lot in read.lots] == ["L1", "L2"] and read.site_count == 3

    options = {"options": {"time_limit_s": 20, "weights": {"subcontracting": 1.0}}}
    plan = _op("plans", "create_plan").sync(tender.id, client=api, body=PlanCreate.from_dict(options))
    deadline = time.monotonic() + 60
    while plan.status.value in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        plan = _op("plans", "read_plan").sync(plan.id, client=api)
    assert plan.status.value == "done"
    best = plan.result.groupings[0]
    accepted = _op("plans", "accept_plan").sync(plan.id, client=api, body=AcceptRequest(rank=best.rank))
    assert accepted.accepted_rank == best.rank

    dc1 = _op("forms", "tender_dc1").sync(tender.id, client=api)
    # One member answers as a candidat individuel: its DC1 names no mandataire.
    assert dc1.mandataire == (best.mandataire if len(best.members) > 1 else None)
    pdf = _op("forms", "tender_dc1_pdf").sync_detailed(tender.id, client=api)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exported = _op("tenders", "export_ocds").sync(tender.id, client=api)
    assert exported["releases"][0]["bids"]["details"][0]["tenderers"]
