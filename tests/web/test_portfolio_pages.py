"""The portefeuilles' pages as each role gets them: the list, the form's refusals in French, and a done
portfolio read tender by tender with the numbers of the API's result."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import col

from app.tenders.models import Site
from app.web.format import heures
from tests.plans.conftest import _empty_after as _empty_plans
from tests.plans.conftest import solving, start_worker
from tests.plans.test_portfolios_api import network, wait_for_portfolio
from tests.web.conftest import Headers, SignIn, csrf_of

__all__ = ["_empty_plans", "solving", "start_worker"]


def test_a_coordinator_starts_a_portfolio_and_reads_each_tenders_grouping(
    client: TestClient, coordinator: Headers, viewer: Headers, sign_in: SignIn, solving: None
) -> None:
    tender_ids, _ = network(client, coordinator)
    browser = sign_in(coordinator)
    page = browser.get("/portefeuilles")
    assert page.status_code == 200
    assert "Aucun portefeuille pour l'instant" in html.unescape(page.text)
    assert "CD93-ETE-A" in page.text and "CD93-ETE-B" in page.text
    assert 'href="/portefeuilles"' in browser.get("/").text  # in the navigation
    started = browser.post(
        "/portefeuilles",
        data={"csrf": csrf_of(page.text), "marche": [str(t) for t in tender_ids], "time_limit_s": "20"},
    )
    assert started.status_code == 303, started.text
    portfolio_id = int(started.headers["location"].rsplit("/", 1)[1])
    done = wait_for_portfolio(client, coordinator, portfolio_id)
    assert done["status"] == "done", done
    assert [t["tender"] for t in done["tenders"]] == tender_ids  # the API sees the page's portfolio
    assert done["options"]["time_limit_s"] == 20

    directory = client.get("/api/v1/structures", headers=coordinator).json()["items"]
    names = {str(s["id"]): s["name"] for s in directory}
    reader = sign_in(viewer)
    listed = html.unescape(reader.get("/portefeuilles").text)
    assert "CD93-ETE-A+CD93-ETE-B" in listed and "terminé" in listed
    assert "Nouveau portefeuille" not in listed  # a viewer reads, does not start
    state = reader.get(f"/portefeuilles/{portfolio_id}/etat").json()  # what the waiting page polls
    assert state["final"] is True and state["text"] == "terminé"
    text = html.unescape(reader.get(f"/portefeuilles/{portfolio_id}").text)
    assert "progression.js" not in text  # done: no more polling
    assert 'href="/charge"' in text
    for plan in done["result"]["tenders"]:
        assert f'href="/marches/{plan["tender_id"]}"' in text
        grouping = plan["plan"]["groupings"][0]
        section = text.split(f'id="marche-{plan["tender_id"]}"')[1].split("</section>")[0]
        assert f"mandataire : <strong>{names[grouping['mandataire']]}</strong>" in section
        for member in grouping["members"]:
            assert f"<td>{names[member['structure']]}</td><td>{member['role']}</td>" in section
            assert f'<td class="num">{heures(member["hours"])}</td>' in section
        total = sum(m["hours"] for m in grouping["members"])
        assert total == 420  # three collèges of 140 h each
        assert f'Total</th><td class="num">{heures(total)}</td>' in section
        months = [p for p in plan["periods"] if p["hours"]]
        assert months and all(p["period"] == "2026-07" for p in months)
        assert f"juillet 2026 ({heures(months[0]['hours'])})" in section
    refused = reader.post("/portefeuilles", data={"csrf": csrf_of(listed), "marche": [str(tender_ids[0])]})
    assert refused.status_code == 403 and "clé de coordination est nécessaire" in refused.text

    # Accepting: a coordinator's button; a viewer neither sees it nor may post it.
    assert "Retenir ces groupements" not in text
    refused = reader.post(f"/portefeuilles/{portfolio_id}/retenir", data={"csrf": csrf_of(listed)})
    assert refused.status_code == 403
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 0
    shown = browser.get(f"/portefeuilles/{portfolio_id}").text
    assert "Retenir ces groupements" in shown
    accepted = browser.post(f"/portefeuilles/{portfolio_id}/retenir", data={"csrf": csrf_of(shown)})
    assert accepted.status_code == 303
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 2
    assert "Retenir ces groupements" not in browser.get(f"/portefeuilles/{portfolio_id}").text


def test_a_portfolio_not_done_cannot_be_retained_and_says_so_in_french(
    client: TestClient, coordinator: Headers, sign_in: SignIn
) -> None:
    tender_ids, _ = network(client, coordinator)
    body = {"tenders": [{"tender": t} for t in tender_ids]}
    portfolio = client.post("/api/v1/portfolios", json=body, headers=coordinator).json()
    client.post(f"/api/v1/portfolios/{portfolio['id']}/cancel", headers=coordinator)
    browser = sign_in(coordinator)
    page = browser.get(f"/portefeuilles/{portfolio['id']}").text
    assert "Retenir ces groupements" not in page
    refused = browser.post(f"/portefeuilles/{portfolio['id']}/retenir", data={"csrf": csrf_of(page)})
    assert refused.status_code == 409
    assert "Seul un portefeuille terminé a des groupements à retenir." in refused.text
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 0


def test_the_forms_refusals_are_said_in_french_next_to_it(
    client: TestClient, coordinator: Headers, sign_in: SignIn, engine: Engine
) -> None:
    tender_ids, _ = network(client, coordinator)
    browser = sign_in(coordinator)
    csrf = csrf_of(browser.get("/portefeuilles").text)

    def start(**data: object) -> str:
        answer = browser.post("/portefeuilles", data={"csrf": csrf, **data})
        assert answer.status_code == 422, answer.text
        assert "Nouveau portefeuille" in answer.text  # the form again, the error next to it
        return html.unescape(answer.text)

    assert "Cochez au moins un marché." in start(time_limit_s="20")
    ticked = [str(t) for t in tender_ids]
    too_long = start(marche=ticked, time_limit_s="100000")
    assert "Temps de calcul : un nombre de secondes supérieur à 0 et d'au plus 600" in too_long
    assert "Temps de calcul" in start(marche=ticked, time_limit_s="601")  # the service's own limit
    assert 'value="601"' in start(marche=ticked, time_limit_s="601")  # what was typed is kept
    eleven = start(marche=[str(n) for n in range(1, 12)], time_limit_s="20")
    assert "Trop de marchés cochés : 10 au plus" in eleven

    with engine.begin() as conn:
        conn.execute(
            update(Site)
            .where(col(Site.tender_id) == tender_ids[1], col(Site.ref) == "09305X")
            .values(hours=None)
        )
    draft = start(marche=ticked, time_limit_s="20")
    assert "Un marché est un brouillon" in draft
    assert "Marché CD93-ETE-B, site 09305X : heures de travail inconnues." in draft
    assert client.get("/api/v1/portfolios", headers=coordinator).json()["total"] == 0


def test_the_waiting_page_names_each_step_of_a_portfolios_start() -> None:
    from app.web.views_plans import progress_state

    def said(stage: str) -> str:
        return str(
            progress_state("running", {"time_limit_s": 120}, {"stage": stage, "elapsed_s": 30})["text"]
        )

    assert "choix des membres du marché 2, après ceux d'avant" in said("sequence_2_members")
    assert "plan du marché 3, après ceux d'avant" in said("sequence_3")
    assert "plan commun des appels d'offres" in said("portfolio")
    assert said("sequence_x").startswith("Calcul en cours : calcul,")


def test_a_done_portfolio_shows_its_points_of_attention(
    client: TestClient, coordinator: Headers, sign_in: SignIn, engine: Engine
) -> None:
    # what the planner says of the whole portfolio (a month over capacity through commitments alone)
    # is read on its page, above the tenders' groupings
    from app.portfolios.models import Portfolio

    tender_ids, _ = network(client, coordinator)
    body = {"tenders": [{"tender": t} for t in tender_ids]}
    portfolio = client.post("/api/v1/portfolios", json=body, headers=coordinator).json()
    client.post(f"/api/v1/portfolios/{portfolio['id']}/cancel", headers=coordinator)
    said = (
        "Les engagements déjà pris dépassent à eux seuls la capacité de Peinture Est en peinture & "
        "revêtement des murs pour juillet 2026 : rien de plus n'y est planifié."
    )
    result = {
        "status": "feasible",
        "solver": {"name": "HiGHS", "seconds": 1.0},
        "tenders": [],
        "diagnostics": [{"code": "period_overbooked", "message": said}],
    }
    with engine.begin() as conn:
        conn.execute(
            update(Portfolio).where(col(Portfolio.id) == portfolio["id"]).values(status="done", result=result)
        )
    page = html.unescape(sign_in(coordinator).get(f"/portefeuilles/{portfolio['id']}").text)
    assert "Points d'attention" in page and said in page
