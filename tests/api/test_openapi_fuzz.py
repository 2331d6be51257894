"""The API against its own OpenAPI document, with generated requests (schemathesis): no answer is a
server error, every status answered is documented for its operation, and error answers are
`application/problem+json` as documented.

A bounded number of cases per operation and mode (valid and invalid requests), run by the plain
`pytest`, so on each database the tests use. A structure and a tender exist, and valid requests name
them, so that reads, PATCHes and `If-Match` reach real resources. Left out: the webhook operations (a
registered URL would be delivered to by the tests' deliverer, and generated URLs must never be
connected to) and revoking a key (the test's own would go). DELETEs and plan requests keep generated
ids, so that the resources stay and no generated plan occupies the solver.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance

from tests.api.conftest import Headers, structure_body, tender_body

# Valid and invalid requests per operation: a minute or two on each database.
CASES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def without_lifespan(app: FastAPI) -> Any:
    """The app for schemathesis's ASGI client, which would start its lifespan (runner, deliverer) a
    second time: the tests' client already runs it."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return asgi


def test_generated_requests_get_documented_answers(
    app: FastAPI, client: TestClient, coordinator: Headers
) -> None:
    known = {
        "structure_id": client.post("/api/v1/structures", json=structure_body(), headers=coordinator).json()[
            "id"
        ],
        "tender_id": client.post("/api/v1/tenders", json=tender_body(), headers=coordinator).json()["id"],
    }
    schema = (
        schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
        .exclude(path_regex="^/api/v1/webhooks")
        .exclude(method="DELETE", path_regex="^/api/v1/keys")
    )
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation: Any = result.ok()  # type: ignore[union-attr]
        operations += 1
        names = {p.name for p in operation.path_parameters}
        keep_generated = operation.method.upper() == "DELETE" or "/plans" in operation.path
        fixed = {} if keep_generated else {k: v for k, v in known.items() if k in names}
        for mode in GenerationMode:
            strategy = operation.as_strategy(
                generation_mode=mode, path_parameters=fixed if mode is GenerationMode.POSITIVE else None
            )

            @given(case=strategy)
            @settings(
                max_examples=CASES[mode],
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def answers_as_documented(case: Any) -> None:
                response = case.call(headers=coordinator)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                answers_as_documented()
            except Unsatisfiable:
                continue  # no invalid request exists (an operation without parameters or body)
            except Exception as exc:
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    assert operations > 30
    assert failures == {}
    # The cases reached the service's logic, not only its 404s and 422s.
    assert statuses[200] > 20 and statuses[404] + statuses[422] < sum(statuses.values()), statuses
