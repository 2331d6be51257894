"""The calendrier de charge's page as each role gets it: the heat map for all, releasing for coordinators."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from tests.commitments.network import painters, plan, tender
from tests.plans.conftest import _empty_after as _empty_plans
from tests.plans.conftest import solving, start_worker
from tests.web.conftest import Headers, SignIn, csrf_of

__all__ = ["_empty_plans", "solving", "start_worker"]


def committed(client: TestClient, coordinator: Headers) -> int:
    painters(client, coordinator)
    done = plan(client, coordinator, tender(client, coordinator, "CD93-A"))
    client.post(f"/api/v1/plans/{done['id']}/accept", json={"rank": 1}, headers=coordinator)
    commitment: int = client.get("/api/v1/commitments", headers=coordinator).json()["items"][0]["id"]
    return commitment


def test_a_viewer_reads_the_calendar_and_cannot_release(
    client: TestClient, coordinator: Headers, viewer: Headers, sign_in: SignIn, solving: None
) -> None:
    commitment = committed(client, coordinator)
    browser = sign_in(viewer)
    page = browser.get("/charge?du=2026-09&au=2027-06")
    assert page.status_code == 200
    assert "Peinture Saint-Denis" in page.text and "CD93-A" in page.text
    assert "Libérer" not in page.text
    refused = browser.post(f"/charge/engagements/{commitment}/liberer", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    assert "clé de coordination est nécessaire" in refused.text
    assert client.get(f"/api/v1/commitments/{commitment}", headers=coordinator).json()["status"] == "active"


def test_months_that_do_not_read_are_said_in_french(
    client: TestClient, coordinator: Headers, sign_in: SignIn
) -> None:
    browser = sign_in(coordinator)
    bad = browser.get("/charge?du=2026-13")
    assert bad.status_code == 200 and "Un mois s'écrit AAAA-MM" in html.unescape(bad.text)
    long = browser.get("/charge?du=2026-01&au=2029-12")
    assert long.status_code == 200 and "36 mois au plus" in long.text
    reversed_ = browser.get("/charge?du=2026-09&au=2026-01")
    assert "le dernier mois précède le premier" in reversed_.text
    assert 'href="/charge"' in browser.get("/").text  # from the tableau de bord
