"""A structure's hours per month or per week in the structure form: given, shown, changed, removed; a
wrong exception named in French with nothing stored lost; read-only for a viewer; and the
commitments that hold its hours, listed with their state."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.web.conftest import Headers, SignIn, csrf_of
from tests.web.plan_fixture import done_plan

PAINTING = "peinture-revetement-des-murs"
NBSP = "\u00a0"
JADE: dict[str, Any] = {
    "siret": "34980413800049",
    "name": "JADE",
    "kind": "ACI",
    "lat": 48.924896,
    "lon": 2.414678,
    "can_lead": True,
    "capacities": {PAINTING: 3000},
}


def _form(csrf: str, **rows: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "siret": JADE["siret"],
        "name": "JADE",
        "kind": "ACI",
        "lat": "48,924896",
        "lon": "2,414678",
        "can_lead": "on",
        "cap_rows": "1",
        "cap_trade_0": PAINTING,
        "cap_hours_0": "3000",
        **rows,
    }


def _availability(client: TestClient, headers: Headers, structure_id: int) -> Any:
    return client.get(f"/api/v1/structures/{structure_id}", headers=headers).json().get("availability")


def test_hours_per_month_are_given_changed_and_removed_in_the_form(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    structure = client.post("/api/v1/structures", json=JADE, headers=coordinator).json()
    browser = sign_in(coordinator)
    page = browser.get(f"/annuaire/{structure['id']}").text
    assert "Heures par mois ou par semaine" in page
    rows = {
        "av_rows": "2",
        "av_trade_0": PAINTING,
        "av_per_0": "month",
        "av_hours_0": "300",
        "av_overrides_0": "2026-08 : 0 ; 2026-12 : 120,5",
        "av_trade_1": "nettoyage-de-locaux-16",
        "av_per_1": "week",
        "av_hours_1": "35",
    }
    answer = browser.post(f"/annuaire/{structure['id']}", data=_form(csrf_of(page), **rows))
    assert answer.status_code == 303, answer.text
    assert _availability(client, coordinator, structure["id"]) == [
        {"trade": PAINTING, "per": "month", "hours": 300.0, "overrides": {"2026-08": 0.0, "2026-12": 120.5}},
        {"trade": "nettoyage-de-locaux-16", "per": "week", "hours": 35.0, "overrides": {}},
    ]
    page = browser.get(f"/annuaire/{structure['id']}").text
    assert 'value="2026-08 : 0 ; 2026-12 : 120,5"' in page
    assert '<option value="week" selected>semaine</option>' in page

    # The week line is removed, the month line changed; the capacities stay.
    rows = {
        "av_rows": "3",
        "av_trade_0": PAINTING,
        "av_per_0": "month",
        "av_hours_0": "250",
        "av_trade_1": "nettoyage-de-locaux-16",
        "av_per_1": "week",
        "av_hours_1": "35",
        "av_drop_1": "on",
    }
    answer = browser.post(f"/annuaire/{structure['id']}", data=_form(csrf_of(page), **rows))
    assert answer.status_code == 303, answer.text
    assert _availability(client, coordinator, structure["id"]) == [
        {"trade": PAINTING, "per": "month", "hours": 250.0, "overrides": {}}
    ]
    answer = browser.post(f"/annuaire/{structure['id']}", data=_form(csrf_of(page), av_rows="1"))
    assert answer.status_code == 303, answer.text
    assert _availability(client, coordinator, structure["id"]) is None
    stored = client.get(f"/api/v1/structures/{structure['id']}", headers=coordinator).json()
    assert stored["capacities"] == {PAINTING: 3000.0}


def test_a_wrong_line_is_named_in_french_and_nothing_stored_is_lost(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    line = {"trade": PAINTING, "per": "month", "hours": 300.0, "overrides": {"2026-08": 120.0}}
    structure = client.post(
        "/api/v1/structures", json=JADE | {"availability": [line]}, headers=coordinator
    ).json()
    browser = sign_in(coordinator)
    csrf = csrf_of(browser.get(f"/annuaire/{structure['id']}").text)
    cases = [
        ({"av_overrides_0": "2026-W31 : 40"}, "disponibilité 1, exceptions : un mois s&#39;écrit 2026-08"),
        (
            {"av_overrides_0": "août 120"},
            "disponibilité 1, exceptions : « août 120 » : attendu période : heures",
        ),
        ({"av_hours_0": "beaucoup"}, "disponibilité 1, heures : doit être un nombre"),
        ({"av_hours_0": "-5"}, "disponibilité 1, heures : doit être supérieur ou égal à 0"),
        ({"av_trade_1": PAINTING, "av_hours_1": "20"}, "heures par période : ce métier a déjà une ligne"),
    ]
    for change, message in cases:
        rows = {"av_rows": "2", "av_trade_0": PAINTING, "av_per_0": "month", "av_hours_0": "300"} | change
        answer = browser.post(f"/annuaire/{structure['id']}", data=_form(csrf, **rows))
        assert answer.status_code == 422, change
        assert message in answer.text, change
        for typed in change.values():
            if typed != PAINTING:
                assert f'value="{typed}"' in answer.text, typed  # what was typed comes back
        assert _availability(client, coordinator, structure["id"]) == [line]


def test_a_viewer_reads_the_hours_but_cannot_change_them(
    client: TestClient, sign_in: SignIn, coordinator: Headers, viewer: Headers
) -> None:
    line = {"trade": PAINTING, "per": "week", "hours": 35.0, "overrides": {}}
    structure = client.post(
        "/api/v1/structures", json=JADE | {"availability": [line]}, headers=coordinator
    ).json()
    browser = sign_in(viewer)
    page = browser.get(f"/annuaire/{structure['id']}").text
    assert '<option value="week" selected>semaine</option>' in page
    assert page.count("<fieldset disabled>") == 5
    refused = browser.post(f"/annuaire/{structure['id']}", data=_form(csrf_of(page), av_rows="1"))
    assert refused.status_code == 403
    assert _availability(client, coordinator, structure["id"]) == [line]


def test_the_structure_page_lists_the_commitments_holding_its_hours(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    browser = sign_in(coordinator)
    page = browser.get(f"/annuaire/{ids['structure_ids'][0]}").text
    assert "Aucun engagement" in page
    accepted = client.post(f"/api/v1/plans/{ids['plan_id']}/accept", json={"rank": 1}, headers=coordinator)
    assert accepted.status_code == 200, accepted.text
    [commitment] = client.get("/api/v1/commitments", headers=coordinator).json()["items"]
    own = [line for line in commitment["lines"] if line["structure_id"] == int(ids["structure_ids"][0])]
    hours = round(sum(line["hours"] for line in own))
    assert hours > 0
    page = browser.get(f"/annuaire/{ids['structure_ids'][0]}").text
    assert '<a href="/marches/{}">CD93-2026-PEINT</a>'.format(ids["tender_id"]) in page
    assert f"{hours:,}".replace(",", NBSP) + f"{NBSP}h" in page
    assert "en cours" in page
    client.post(f"/api/v1/commitments/{commitment['id']}/release", headers=coordinator)
    page = browser.get(f"/annuaire/{ids['structure_ids'][0]}").text
    assert "libéré le " in page
