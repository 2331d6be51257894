"""The pages a coordinator reads: the résultat of a plan, the map, French labels and numbers, roles,
and another network's pages answering 404 as the API does."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.plans.models import Plan
from tests.web.conftest import Headers, SignIn, csrf_of
from tests.web.plan_fixture import SITES, done_plan

GEOJSON = Path(__file__).resolve().parents[2] / "app" / "web" / "data" / "communes-93.geojson"
NBSP = "\u00a0"


class Form(HTMLParser):
    """Collects the form controls and the labels of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("input", "select", "textarea") and values.get("type") not in ("hidden", "submit"):
            self.controls.append(values)
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))


def unlabelled(html: str) -> list[str]:
    form = Form()
    form.feed(html)
    return [str(c.get("name")) for c in form.controls if c.get("id") not in form.labelled]


def test_the_result_page_reads_the_plan_in_french(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    page = sign_in(coordinator).get(f"/plans/{ids['plan_id']}")
    assert page.status_code == 200
    text = page.text
    assert "Au plus 0,7" + NBSP + "% d&#39;écart avec le meilleur groupement possible" in text
    # Two establishments of one SIREN are one member, named together; the figures in French formats.
    assert "JADE + JADE Montreuil" in text
    assert f"1{NBSP}234{NBSP}h" in text  # own hours 1234.5, rounded
    assert f"72{NBSP}900{NBSP}€" in text
    assert f"84,4{NBSP}%" in text  # share of the tender
    assert f"4,2{NBSP}km" in text
    # The AI's mise à disposition, VAT-free (CGI 261-7-1° bis); insertion required and delivered.
    staffing = text.split("Mises à disposition de personnel")[1].split("Sous-traitance")[0]
    assert "RICOCHET (AI)" in staffing
    assert f"6{NBSP}600{NBSP}€" in staffing
    insertion = text.split("Heures d'insertion (clause sociale)")[1]
    assert f"1{NBSP}500{NBSP}h" in insertion
    assert f"manque 400{NBSP}h" in insertion
    # Why: the mandataire, the structure left out (from the diagnostics), the plan's notes.
    assert "JADE + JADE Montreuil est mandataire" in text
    assert "ASSOC FEMMES ACTIVES (ACI) : aucun site du marché à sa portée" in text
    assert "moins de groupements différents que demandé" in text
    # Downloads of the grouping shown.
    assert f'href="/api/v1/plans/{ids["plan_id"]}/groupings/1/dc1.pdf"' in text


def test_an_optimal_plan_says_proved(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator, status="optimal", gap=0.0)
    text = sign_in(coordinator).get(f"/plans/{ids['plan_id']}").text
    assert "Meilleur groupement prouvé" in text
    assert "d&#39;écart avec le meilleur groupement possible" not in text


def test_two_groupings_side_by_side_with_what_differs(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    text = sign_in(coordinator).get(f"/plans/{ids['plan_id']}?a=1&b=2").text
    differs = text.split('id="differences"')[1].split("</div>")[0]
    assert "Ce qui change du groupement 1 au groupement 2" in differs
    assert "− LA MARMITE</span> en sort" in differs
    assert "Même mandataire : JADE" in differs
    assert "2 sites changent de membre" in differs
    grouping_2 = sign_in(coordinator).get(f"/plans/{ids['plan_id']}?rang=2").text
    assert (
        "LA MARMITE (ACI)" in grouping_2.split("<h3>Sous-traitance</h3>")[1].split("<h3>")[0]
    )  # the subcontract of grouping 2
    assert "candidature individuelle" in grouping_2


def test_the_map_has_one_shape_per_commune_and_one_mark_per_site(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    communes = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    ids = done_plan(client, db, coordinator)
    text = sign_in(coordinator).get(f"/plans/{ids['plan_id']}").text
    svg = text[text.index("<svg") : text.index("</svg>")]
    insee = re.findall(r'<path class="commune" data-insee="(\d+)"', svg)
    assert len(insee) == len(communes) == 40
    assert sorted(insee) == sorted(f["properties"]["code"] for f in communes)
    sites = re.findall(r'<circle class="site" data-site="([^"]+)"[^>]*fill="([^"]+)"', svg)
    assert sorted(s for s, _ in sites) == sorted(str(s["id"]) for s in SITES)
    # Coloured by member: JADE's two establishments share a colour, LA MARMITE has another.
    colour = dict(sites)
    assert colour["0931713G"] == colour["0930943E"] != colour["0932086L"]
    # The members' bases: JADE's two establishments and LA MARMITE.
    bases = re.findall(r'<rect class="base" data-structure="([^"]+)"', svg)
    assert sorted(bases) == sorted(ids["structure_ids"][:3])


def test_pages_are_in_french_and_every_field_has_a_label(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    browser = sign_in(coordinator)
    pages = {
        "/": "Tableau de bord",
        "/annuaire": "Annuaire des structures",
        "/annuaire/nouvelle": "Nouvelle structure",
        f"/annuaire/{ids['structure_ids'][0]}": "Capacités par métier",
        "/marches": "Importer un avis au format OCDS",
        "/marches/nouveau": "Sites du lot, un par ligne",
        f"/marches/{ids['tender_id']}": "Planifier un groupement",
        f"/marches/{ids['tender_id']}/modifier": "Modifier le marché",
        f"/marches/{ids['tender_id']}/planifier": "Pratique du réseau",
        f"/plans/{ids['plan_id']}": "Comparer deux groupements",
    }
    for path, words in pages.items():
        page = browser.get(path)
        assert page.status_code == 200, path
        assert '<html lang="fr">' in page.text
        assert words in page.text, path
        assert unlabelled(page.text) == [], path
        for english in ("Submit", "Error", "Cancel", "Save", "Delete", "objective", "gap"):
            assert not re.search(rf">\s*{english}\b", page.text), (path, english)


def test_a_form_error_names_the_field_in_french(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    token = csrf_of(browser.get("/annuaire/nouvelle").text)
    answer = browser.post(
        "/annuaire/nouvelle",
        data={
            "csrf": token,
            "siret": "34980413800048",
            "name": "",
            "kind": "ACI",
            "lat": "48,9",
            "lon": "nord",
        },
    )
    assert answer.status_code == 422
    assert "SIRET : clé de contrôle invalide" in answer.text
    assert "nom : ne peut pas être vide" in answer.text
    assert "longitude : doit être un nombre" in answer.text
    assert browser.get("/annuaire").text.count("/annuaire/") <= 2  # nothing was created


def test_a_write_form_without_its_token_is_refused(
    client: TestClient, sign_in: SignIn, coordinator: Headers
) -> None:
    browser = sign_in(coordinator)
    answer = browser.post(
        "/annuaire/nouvelle",
        data={"siret": "34980413800049", "name": "JADE", "kind": "ACI", "lat": "48.9", "lon": "2.4"},
    )
    assert answer.status_code == 403
    assert client.get("/api/v1/structures", headers=coordinator).json()["total"] == 0


def test_a_viewer_reads_but_cannot_write(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers, viewer: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    browser = sign_in(viewer)
    page = browser.get(f"/plans/{ids['plan_id']}")
    assert page.status_code == 200
    assert "Retenir le groupement" not in page.text
    answer = browser.post(f"/plans/{ids['plan_id']}/accepter", data={"csrf": csrf_of(page.text), "rang": "1"})
    assert answer.status_code == 403
    assert "une clé de coordination est nécessaire" in answer.text
    assert browser.get("/marches/nouveau").status_code == 403


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_networks_pages_answer_404(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers, stranger: Headers, method: str
) -> None:
    ids = done_plan(client, db, coordinator)
    plan, tender, structure = ids["plan_id"], ids["tender_id"], ids["structure_ids"][0]
    browser = sign_in(stranger)
    token = csrf_of(browser.get("/").text)
    pages = {
        "GET": [
            f"/annuaire/{structure}",
            f"/marches/{tender}",
            f"/marches/{tender}/modifier",
            f"/marches/{tender}/planifier",
            f"/plans/{plan}",
            f"/plans/{plan}?rang=2&a=1&b=2",
            f"/plans/{plan}/etat",
            f"/api/v1/plans/{plan}/groupings/1/dc1.pdf",
            f"/api/v1/tenders/{tender}/ocds",
        ],
        "POST": [
            f"/annuaire/{structure}",
            f"/annuaire/{structure}/supprimer",
            f"/marches/{tender}/modifier",
            f"/marches/{tender}/planifier",
            f"/plans/{plan}/accepter",
            f"/plans/{plan}/retrait",
            f"/plans/{plan}/annuler",
        ],
    }[method]
    for path in pages:
        if method == "GET":
            answer = browser.get(path)
        else:
            answer = browser.post(
                path, data={"csrf": token, "rang": "1", "retire": structure, "preset": "reseau"}
            )
        assert answer.status_code == 404, path
        assert "JADE" not in answer.text and "CD93-2026-PEINT" not in answer.text, path
    # Their lists do not show the other network's records either.
    assert "JADE" not in browser.get("/annuaire").text
    assert "CD93-2026-PEINT" not in browser.get("/").text
    # The owner's records are untouched.
    assert client.get(f"/api/v1/structures/{structure}", headers=coordinator).status_code == 200
    assert client.get(f"/api/v1/plans/{plan}", headers=coordinator).json()["accepted_rank"] is None


def test_a_plan_without_grouping_says_why(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator, status="infeasible")
    with Session(db) as session:
        plan = session.get(Plan, ids["plan_id"])
        assert plan is not None and plan.result is not None
        result = dict(plan.result) | {"groupings": []}
        result["diagnostics"] = [
            *result["diagnostics"],
            {"code": "site_uncovered_no_structure_in_reach", "message": "...", "site": "0932086L"},
            {"code": "no_possible_mandataire", "message": "No structure can lead."},
        ]
        plan.result = result
        session.add(plan)
        session.commit()
    text = sign_in(coordinator).get(f"/plans/{ids['plan_id']}").text
    assert "Aucun groupement ne respecte toutes les règles" in text
    assert "Aucune structure invitée ne peut être mandataire" in text
    assert "ASSOC FEMMES ACTIVES (ACI) : aucun site du marché à sa portée" in text
    assert "Collège Pierre Curie : aucune structure ayant ce métier n&#39;est à portée de ce site" in text


def test_planifier_queues_the_plan_with_the_options_in_plain_words(
    client: TestClient, db: Engine, sign_in: SignIn, coordinator: Headers
) -> None:
    ids = done_plan(client, db, coordinator)
    browser = sign_in(coordinator)
    path = f"/marches/{ids['tender_id']}/planifier"
    token = csrf_of(browser.get(path).text)
    invited = ids["structure_ids"][:4]
    form = {"csrf": token, "preset": "personnalise", "w_distance": "2", "w_balance": "abc", "w_members": "0"}
    wrong = browser.post(path, data=form | {"invited": invited, "time_limit_s": "5"})
    assert wrong.status_code == 422
    assert "doit être un nombre" in wrong.text
    assert 'value="abc"' in wrong.text  # what was typed comes back to be corrected
    answer = browser.post(
        path,
        data={"csrf": token, "preset": "reseau", "alternatives": "2", "time_limit_s": "5", "invited": invited,
              "max_subcontracting_share": "30", "territorial_presence": "on"},
    )  # fmt: skip
    assert answer.status_code == 303
    plan_id = int(answer.headers["location"].removeprefix("/plans/"))
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=coordinator).json()
    client.post(f"/api/v1/plans/{plan_id}/cancel", headers=coordinator)
    options = plan["options"]
    assert options["weights"]["distance"] == options["weights"]["balance"] == 1.0
    assert options["weights"]["members"] == 0.0
    assert options["territorial_presence"] is True
    assert options["max_subcontracting_share"] == pytest.approx(0.3)
    assert options["alternatives"] == 2
    assert options["excluded"] == [ids["structure_ids"][4]]


def test_a_csv_over_the_row_limit_is_refused_in_french_and_nothing_is_stored(
    sign_in: SignIn, coordinator: Headers, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_csv_rows", 2)
    browser = sign_in(coordinator)
    token = csrf_of(browser.get("/annuaire").text)
    rows = "siret,name,kind,lat,lon\n" + "".join(
        f"{siret},JADE {i},ACI,48.92,2.41\n"
        for i, siret in enumerate(["34980413800049", "34980413800031", "82200166500030"])
    )
    answer = browser.post(
        "/annuaire/import", data={"csrf": token}, files={"fichier": ("siae.csv", rows.encode(), "text/csv")}
    )
    assert answer.status_code == 413
    assert "Le fichier compte plus de 2 lignes, la limite d&#39;un import (MAX_CSV_ROWS)" in answer.text
    assert "Rien n&#39;a été enregistré." in answer.text
    assert "JADE 0" not in browser.get("/annuaire").text


def test_an_import_without_a_file_or_with_too_large_a_file_is_refused_in_french(
    sign_in: SignIn, coordinator: Headers, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = sign_in(coordinator)
    token = csrf_of(browser.get("/annuaire").text)
    for url, asked in (
        ("/annuaire/import", "Choisissez un fichier CSV à importer."),
        ("/marches/import-ocds", "Choisissez un fichier OCDS (JSON) à importer."),
    ):
        answer = browser.post(url, data={"csrf": token})
        assert answer.status_code == 400 and asked in answer.text
    monkeypatch.setattr(settings, "max_ocds_body_bytes", 2_000_000)
    package = b"{" + b" " * 2_000_000 + b"}"
    answer = browser.post(
        "/marches/import-ocds",
        data={"csrf": token},
        files={"fichier": ("avis.json", package, "application/json")},
    )
    assert answer.status_code == 413
    assert "Le fichier dépasse la taille permise (2 Mo)." in answer.text
