"""A lot's work windows in the tender form: given, shown, changed, removed; an error named in French
with nothing lost; the sites' own windows (API only) kept and announced."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.web.tender_form import sites_to_text
from tests.web.conftest import Headers, SignIn, csrf_of

SITES = [
    {
        "id": "0931713G",
        "name": "Collège Lavoisier",
        "lat": 48.889,
        "lon": 2.42,
        "hours": 420,
        "value_eur": 18000,
        "windows": [{"start": "2026-07-06", "end": "2026-07-17"}],
    },
    {
        "id": "0930116W",
        "name": "Collège Jean Jaurès",
        "lat": 48.9,
        "lon": 2.4,
        "hours": 300,
        "value_eur": 12000,
    },
]


def _form(csrf: str, sites: list[dict[str, Any]], **rows: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "reference": "CD93-ETE",
        "title": "Peinture l'été",
        "kind": "works",
        "lot_count": "1",
        "lot_id_0": "L1",
        "lot_title_0": "Peinture",
        "lot_trade_0": "peinture-revetement-des-murs",
        "lot_sites_0": sites_to_text(sites),
        **rows,
    }


def _stored(
    client: TestClient, headers: Headers, windows: list[dict[str, Any]], **lot: str
) -> dict[str, Any]:
    """The summer tender of SITES stored over the API, its lot with these work windows."""
    body = {
        "reference": "CD93-ETE",
        "title": "Peinture l'été",
        "kind": "works",
        "lots": [
            {"id": "L1", "trade": "peinture-revetement-des-murs", "windows": windows, "sites": SITES, **lot}
        ],
    }
    tender: dict[str, Any] = client.post("/api/v1/tenders", json=body, headers=headers).json()
    return tender


def _lot(client: TestClient, headers: Headers, tender_id: int) -> dict[str, Any]:
    [lot] = client.get(f"/api/v1/tenders/{tender_id}", headers=headers).json()["lots"]
    return dict(lot)


def test_a_new_tender_gets_its_lots_windows_from_the_form(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    browser = sign_in(coordinator)
    page = browser.get("/marches/nouveau").text
    assert "Périodes de travail du lot 1" in page
    assert "Vacances d&#39;été 2026 (du 4 juillet 2026 au 30 août 2026)" in page
    rows = {
        "lot_win_rows_0": "2",
        "lot_win_period_0_0": "ete-2026",
        "lot_win_start_0_1": "26/10/2026",  # typed the French way
        "lot_win_end_0_1": "2026-10-30",
    }
    answer = browser.post("/marches/nouveau", data=_form(csrf_of(page), SITES[1:], **rows))
    assert answer.status_code == 303, answer.text
    tender_id = int(answer.headers["location"].split("/")[2].split("?")[0])
    assert _lot(client, coordinator, tender_id)["windows"] == [
        {"period": "ete-2026"},
        {"start": "2026-10-26", "end": "2026-10-30"},
    ]
    shown = browser.get(f"/marches/{tender_id}").text
    assert (
        "Vacances d&#39;été 2026 (du 4 juillet 2026 au 30 août 2026)<br>du 26 octobre 2026 au 30 octobre 2026"
        in shown
    )


def test_a_wrong_window_is_named_in_french_and_nothing_stored_is_lost(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    tender = _stored(client, coordinator, [{"period": "ete-2026"}])
    browser = sign_in(coordinator)
    edit = browser.get(f"/marches/{tender['id']}/modifier").text
    # The stored window is in its row; the site's own windows are announced as kept.
    assert '<option value="ete-2026" selected>' in edit
    assert "1 site de ce lot a ses propres périodes de travail" in edit
    rows = {
        "lot_win_rows_0": "2",
        "lot_win_period_0_0": "ete-2026",
        "lot_win_start_0_1": "2026-11-06",
        "lot_win_end_0_1": "2026-11-02",
    }
    answer = browser.post(
        f"/marches/{tender['id']}/modifier", data=_form(csrf_of(edit), tender["lots"][0]["sites"], **rows)
    )
    assert answer.status_code == 422
    assert "lot 1, période de travail 2, fin : la fin précède le début" in answer.text
    assert 'value="2026-11-06"' in answer.text  # what was typed comes back
    assert _lot(client, coordinator, tender["id"])["windows"] == [{"period": "ete-2026"}]

    both = {"lot_win_rows_0": "1", "lot_win_period_0_0": "ete-2026", "lot_win_start_0_0": "2026-07-06"}
    answer = browser.post(
        f"/marches/{tender['id']}/modifier", data=_form(csrf_of(edit), tender["lots"][0]["sites"], **both)
    )
    assert answer.status_code == 422
    assert "choisissez des vacances scolaires ou des dates, pas les deux" in answer.text
    overlap = {
        "lot_win_rows_0": "2",
        "lot_win_period_0_0": "ete-2026",
        "lot_win_start_0_1": "2026-08-03",
        "lot_win_end_0_1": "2026-09-04",
    }
    answer = browser.post(
        f"/marches/{tender['id']}/modifier", data=_form(csrf_of(edit), tender["lots"][0]["sites"], **overlap)
    )
    assert answer.status_code == 422
    assert "lot 1, périodes de travail : deux périodes se chevauchent" in answer.text
    assert _lot(client, coordinator, tender["id"])["windows"] == [{"period": "ete-2026"}]


def test_a_window_is_changed_and_removed_and_the_sites_keep_theirs(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    tender = _stored(client, coordinator, [{"period": "ete-2026"}, {"period": "toussaint-2025"}])
    browser = sign_in(coordinator)
    csrf = csrf_of(browser.get(f"/marches/{tender['id']}/modifier").text)
    sites = tender["lots"][0]["sites"]
    rows = {
        "lot_win_rows_0": "3",
        "lot_win_period_0_0": "printemps-2026",
        "lot_win_period_0_1": "toussaint-2025",
        "lot_win_drop_0_1": "on",
    }
    answer = browser.post(f"/marches/{tender['id']}/modifier", data=_form(csrf, sites, **rows))
    assert answer.status_code == 303, answer.text
    lot = _lot(client, coordinator, tender["id"])
    assert lot["windows"] == [{"period": "printemps-2026"}]
    assert [s["windows"] for s in lot["sites"]] == [SITES[0]["windows"], None]
    page = browser.get(f"/marches/{tender['id']}").text
    assert "1 site a ses propres périodes de travail" in page
    assert 'du 6 juillet 2026 au 17 juillet 2026 <span class="discret">(propres au site)</span>' in page

    answer = browser.post(f"/marches/{tender['id']}/modifier", data=_form(csrf, sites, lot_win_rows_0="1"))
    assert answer.status_code == 303, answer.text
    lot = _lot(client, coordinator, tender["id"])
    assert lot.get("windows") is None
    assert [s["windows"] for s in lot["sites"]] == [SITES[0]["windows"], None]
    assert "sur l'exécution du marché" in browser.get(f"/marches/{tender['id']}").text


def test_editing_a_tender_in_the_form_keeps_its_work_windows(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    tender = _stored(client, coordinator, [{"period": "ete-2026"}], title="Peinture")
    browser = sign_in(coordinator)
    csrf = csrf_of(browser.get(f"/marches/{tender['id']}/modifier").text)
    form = _form(csrf, tender["lots"][0]["sites"], title="Peinture des collèges l'été")
    answer = browser.post(f"/marches/{tender['id']}/modifier", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    lot = _lot(client, coordinator, tender["id"])
    assert lot["windows"] == [{"period": "ete-2026"}]
    assert [s["windows"] for s in lot["sites"]] == [SITES[0]["windows"], None]
