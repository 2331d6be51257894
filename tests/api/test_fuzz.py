"""Whatever JSON a client sends, the answer is a success or a problem document, never a 500."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Headers, structure_body, tender_body

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def post(client: TestClient, url: str, body: Any, headers: Headers) -> None:
    content = json.dumps(body, allow_nan=True)
    response = client.post(url, content=content, headers=headers | {"content-type": "application/json"})
    assert response.status_code in (201, 400, 409, 422), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        if response.status_code == 422:
            assert response.json()["errors"]


@FUZZ
@given(field=st.sampled_from(sorted(structure_body())), value=json_values)
def test_any_value_in_any_structure_field(
    client: TestClient, coordinator: Headers, field: str, value: Any
) -> None:
    post(client, "/api/v1/structures", structure_body(**{field: value}), coordinator)


@FUZZ
@given(field=st.sampled_from(sorted(tender_body()["lots"][0]["sites"][0])), value=json_values)
def test_any_value_in_any_site_field(
    client: TestClient, coordinator: Headers, field: str, value: Any
) -> None:
    body = tender_body()
    body["lots"][0]["sites"][1][field] = value
    post(client, "/api/v1/tenders", body, coordinator)


@FUZZ
@given(field=st.sampled_from(sorted(tender_body())), value=json_values)
def test_any_value_in_any_tender_field(
    client: TestClient, coordinator: Headers, field: str, value: Any
) -> None:
    post(client, "/api/v1/tenders", tender_body(**{field: value}), coordinator)
