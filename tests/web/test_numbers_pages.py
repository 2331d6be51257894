"""Numbers in the forms, the French way: shown `48,9362`, `500 000`, `1 000,5` in their fields, typed
`1 234,5`, `1234,5` or `1234.5` (any space between the thousands), and refused in French, naming the
field, with what was typed given back and nothing stored lost. The API's numbers stay JSON numbers."""

from __future__ import annotations

import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.format import Unread, saisie
from app.web.forms import number
from tests.web.conftest import Headers, SignIn, csrf_of

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"
PAINTING = "peinture-revetement-des-murs"
STRUCTURE: dict[str, Any] = {
    "siret": "34980413800049",
    "name": "JADE",
    "kind": "ACI",
    "lat": 48.9362,
    "lon": 2.414678,
    "annual_turnover_eur": 500000.0,
    "insertion_fte": 12.5,
    "can_lead": True,
    "max_distance_km": 15.0,
    "capacities": {PAINTING: 1000.0},
    "availability": [{"trade": PAINTING, "per": "month", "hours": 1500.5, "overrides": {"2026-08": 0}}],
}
TENDER: dict[str, Any] = {
    "reference": "CD93-NOMBRES",
    "title": "Peinture des collèges",
    "kind": "works",
    "insertion_hours": 2500.0,
    "estimated_value_eur": 1250000.0,
    "lots": [
        {
            "id": "L1",
            "title": "Peinture",
            "trade": PAINTING,
            "sites": [
                {"id": "0931713G", "name": "Collège Lavoisier", "lat": 48.889, "lon": 2.42, "hours": 1420.0,
                 "value_eur": 18000.0},
            ],
        }
    ],
}  # fmt: skip


def _value(page: str, field_id: str) -> str:
    """The value of the input `field_id` as the page writes it."""
    tag = page.split(f'id="{field_id}"', 1)[1].split(">", 1)[0]
    return html.unescape(tag.split('value="', 1)[1].split('"', 1)[0])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("1 234,5", 1234.5),
        (f"1{NBSP}234,5", 1234.5),
        (f"1{NNBSP}234,5", 1234.5),
        (f"1{THIN}234.5", 1234.5),
        (f" 12{NBSP}500{NBSP}000 ", 12_500_000.0),
        ("48,9362", 48.9362),
        (",5", 0.5),
        ("-1,5", -1.5),
        ("\u22121,5", -1.5),
        ("0", 0.0),
        ("", None),
        ("  ", None),
    ],
)
def test_the_parser_reads_french_and_plain_numbers(typed: str, read: float | None) -> None:
    assert number(typed) == read


@pytest.mark.parametrize(
    "typed", ["1.234,5", "1,234.5", "1,2,3", "12 %", "1e5", "nan", "inf", "1_000", "9" * 400, "abc"]
)
def test_the_parser_keeps_what_is_no_number_as_typed(typed: str) -> None:
    assert number(typed) == Unread(typed)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (48.9362, "48,9362"),
        (500000.0, f"500{NBSP}000"),
        (1000.0, f"1{NBSP}000"),
        (1000.5, f"1{NBSP}000,5"),
        (1234.5, f"1{NBSP}234,5"),
        (0.1, "0,1"),
        (-2.5, "-2,5"),
        (-0.0, "0"),
        (3, "3"),
        (1e16, f"10{NBSP}000{NBSP}000{NBSP}000{NBSP}000{NBSP}000"),
        (None, ""),
        ("beaucoup", "beaucoup"),
    ],
)
def test_a_number_is_shown_in_its_field_the_french_way_and_reads_back(value: Any, shown: str) -> None:
    assert saisie(value) == shown
    if isinstance(value, float):
        assert number(shown) == value  # what the field shows is read back as the same number


def test_the_structure_form_shows_and_reads_french_numbers(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    created = client.post("/api/v1/structures", json=STRUCTURE, headers=coordinator)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    browser = sign_in(coordinator)
    page = browser.get(f"/annuaire/{sid}").text
    assert _value(page, "f-lat") == "48,9362"
    assert _value(page, "f-lon") == "2,414678"
    assert _value(page, "f-annual_turnover_eur") == f"500{NBSP}000"
    assert _value(page, "f-insertion_fte") == "12,5"
    assert _value(page, "f-max_distance_km") == "15"
    assert _value(page, "cap_hours_0") == f"1{NBSP}000"
    assert _value(page, "av_hours_0") == f"1{NBSP}500,5"
    assert 'type="number"' not in page

    form = {
        "csrf": csrf_of(page),
        **{k: STRUCTURE[k] for k in ("siret", "name", "kind")},
        "lat": "48.9362",  # the plain way too
        "lon": f"2,414{NNBSP}678",  # a narrow space anywhere is no harm
        "annual_turnover_eur": f"1 234{NBSP}567,5",
        "insertion_fte": "12,5",
        "max_distance_km": "15",
        "can_lead": "on",
        "cap_rows": "1",
        "cap_trade_0": PAINTING,
        "cap_hours_0": f"1{NNBSP}234,5",
        "av_rows": "1",
        "av_trade_0": PAINTING,
        "av_per_0": "month",
        "av_hours_0": "1 234,5",
        "av_overrides_0": f"2026-08 : 0 ; 2026-12 : 1{NBSP}000,25",
    }
    answer = browser.post(f"/annuaire/{sid}", data=form)
    assert answer.status_code == 303, answer.text
    stored = client.get(f"/api/v1/structures/{sid}", headers=coordinator).json()
    assert stored["lat"] == 48.9362 and stored["lon"] == 2.414678
    assert stored["annual_turnover_eur"] == 1234567.5  # a JSON number, as before
    assert stored["capacities"] == {PAINTING: 1234.5}
    assert stored["availability"][0]["hours"] == 1234.5
    assert stored["availability"][0]["overrides"] == {"2026-08": 0, "2026-12": 1000.25}
    page = browser.get(f"/annuaire/{sid}").text
    assert _value(page, "f-annual_turnover_eur") == f"1{NBSP}234{NBSP}567,5"
    assert _value(page, "cap_hours_0") == f"1{NBSP}234,5"
    assert _value(page, "av_overrides_0") == f"2026-08 : 0 ; 2026-12 : 1{NBSP}000,25"


@pytest.mark.parametrize(
    ("field", "typed", "named"),
    [
        ("lat", "48.936,2", "latitude"),
        ("annual_turnover_eur", "1,234,567.5", "chiffre d'affaires annuel"),
        ("insertion_fte", "douze", "postes d'insertion (ETP)"),
        ("max_distance_km", "15 km", "distance maximale"),
        ("lon", "nan", "longitude"),
        ("lat", "9" * 400, "latitude"),
        ("av_hours_0", "1e3", "disponibilité 1, heures"),
        ("cap_hours_0", "mille", f"capacités, {PAINTING}"),
    ],
)
def test_a_number_that_cannot_be_read_is_named_in_french_and_given_back(
    client: TestClient, sign_in: SignIn, coordinator: Headers, field: str, typed: str, named: str
) -> None:
    sid = client.post("/api/v1/structures", json=STRUCTURE, headers=coordinator).json()["id"]
    before = client.get(f"/api/v1/structures/{sid}", headers=coordinator).json()
    browser = sign_in(coordinator)
    page = browser.get(f"/annuaire/{sid}").text
    form = {
        "csrf": csrf_of(page),
        **{k: STRUCTURE[k] for k in ("siret", "name", "kind")},
        "lat": "48,9362",
        "lon": "2,414678",
        "cap_rows": "1",
        "cap_trade_0": PAINTING,
        "cap_hours_0": "1000",
        "av_rows": "1",
        "av_trade_0": PAINTING,
        "av_per_0": "month",
        "av_hours_0": "1500,5",
        field: typed,
    }
    answer = browser.post(f"/annuaire/{sid}", data=form)
    assert answer.status_code == 422, answer.text
    text = html.unescape(answer.text)
    assert f"{named} : doit être un nombre, par exemple 1{NBSP}234,5 (lu : « {typed} »)" in text
    field_id = field if field.startswith(("av_", "cap_")) else f"f-{field}"
    assert _value(answer.text, field_id) == typed  # given back to be corrected
    assert client.get(f"/api/v1/structures/{sid}", headers=coordinator).json() == before


def test_a_forged_row_count_is_no_error_page(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    token = csrf_of(browser.get("/annuaire/nouvelle").text)
    for rows in ("beaucoup", "1e9", "-3"):
        answer = browser.post("/annuaire/nouvelle", data={"csrf": token, "cap_rows": rows, "lat": "x"})
        assert answer.status_code == 422, rows


def test_the_tender_form_shows_and_reads_french_numbers(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    created = client.post("/api/v1/tenders", json=TENDER, headers=coordinator)
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    browser = sign_in(coordinator)
    page = browser.get(f"/marches/{tid}/modifier").text
    assert _value(page, "f-insertion_hours") == f"2{NBSP}500"
    assert _value(page, "f-estimated_value_eur") == f"1{NBSP}250{NBSP}000"
    sites = html.unescape(page.split('id="lot_sites_0"', 1)[1].split(">", 1)[1].split("</textarea>")[0])
    assert sites == f"0931713G ; Collège Lavoisier ; 48,889 ; 2,42 ;  ; 1{NBSP}420 ; 18{NBSP}000"

    form = {
        "csrf": csrf_of(page),
        "reference": TENDER["reference"],
        "title": TENDER["title"],
        "kind": "works",
        "insertion_hours": "1 234,5",
        "estimated_value_eur": f"1{NNBSP}300{NNBSP}000",
        "lot_count": "1",
        "lot_id_0": "L1",
        "lot_title_0": "Peinture",
        "lot_trade_0": PAINTING,
        "lot_sites_0": "0931713G ; Collège Lavoisier ; 48.889 ; 2,42 ; Est Ensemble ; 1 234,5 ; 18 000",
    }
    answer = browser.post(f"/marches/{tid}/modifier", data=form)
    assert answer.status_code == 303, answer.text
    stored = client.get(f"/api/v1/tenders/{tid}", headers=coordinator).json()
    assert stored["insertion_hours"] == 1234.5
    assert stored["estimated_value_eur"] == 1300000
    [site] = stored["lots"][0]["sites"]
    assert (site["lat"], site["lon"], site["hours"], site["value_eur"]) == (48.889, 2.42, 1234.5, 18000)

    wrong = browser.post(
        f"/marches/{tid}/modifier",
        data=form
        | {
            "estimated_value_eur": "1.300.000",
            "lot_sites_0": form["lot_sites_0"].replace("48.889", "48°53'"),
        },
    )
    assert wrong.status_code == 422
    text = html.unescape(wrong.text)
    assert "montant estimé : doit être un nombre" in text and "(lu : « 1.300.000 »)" in text
    assert "lot 1, site 1, latitude : doit être un nombre" in text
    assert _value(wrong.text, "f-estimated_value_eur") == "1.300.000"
    assert "48°53'" in text  # the sites as typed
    assert client.get(f"/api/v1/tenders/{tid}", headers=coordinator).json() == stored


def test_the_planning_options_show_and_read_french_numbers(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    tid = client.post("/api/v1/tenders", json=TENDER, headers=coordinator).json()["id"]
    browser = sign_in(coordinator)
    path = f"/marches/{tid}/planifier"
    page = browser.get(path).text
    assert 'type="number"' not in page
    assert _value(page, "f-max_subcontracting_share") == "30"
    assert _value(page, "f-w_staffing") == "0,5"
    form = {
        "csrf": csrf_of(page),
        "preset": "personnalise",
        "w_distance": "1,5",
        "w_balance": "beaucoup",
        "w_members": "0",
        "w_staffing": "0.5",
        "max_subcontracting_share": "12,5",
        "alternatives": "2,5",
        "time_limit_s": f"10{NBSP}000",
    }
    wrong = browser.post(path, data=form)
    assert wrong.status_code == 422
    text = html.unescape(wrong.text)
    assert "équilibre entre les membres : doit être un nombre" in text and "(lu : « beaucoup »)" in text
    assert "groupements à comparer : doit être un nombre entier" in text
    assert f"temps de calcul : doit être inférieur ou égal à 3{NBSP}600" in text  # 10 000 read as such
    assert _value(wrong.text, "f-w_balance") == "beaucoup"
    assert _value(wrong.text, "f-w_distance") == "1,5"
    assert _value(wrong.text, "f-max_subcontracting_share") == "12,5"
    assert _value(wrong.text, "f-time_limit_s") == f"10{NBSP}000"
    assert 'id="err-w_balance"' in wrong.text  # next to its field
    over = html.unescape(browser.post(path, data=form | {"max_subcontracting_share": "150"}).text)
    assert "part sous-traitable : doit être un pourcentage, de 0 à 100" in over
    assert _value(over, "f-max_subcontracting_share") == "150"


def test_the_portfolio_form_reads_french_numbers_and_names_what_it_cannot(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    tid = client.post("/api/v1/tenders", json=TENDER, headers=coordinator).json()["id"]
    browser = sign_in(coordinator)
    page = browser.get("/portefeuilles").text
    assert 'type="number"' not in page
    token = csrf_of(page)
    kept = browser.post("/portefeuilles", data={"csrf": token, "time_limit_s": "90,5"})
    assert kept.status_code == 422  # no tender ticked
    assert _value(kept.text, "f-time_limit_s") == "90,5"
    unread = browser.post(
        "/portefeuilles", data={"csrf": token, "marche": str(tid), "time_limit_s": "1,5 min"}
    )
    assert unread.status_code == 422
    text = html.unescape(unread.text)
    assert "Temps de calcul : « 1,5 min » n'est pas un nombre de secondes" in text
    assert _value(unread.text, "f-time_limit_s") == "1,5 min"
    assert client.get("/api/v1/portfolios", headers=coordinator).json()["items"] == []
