"""Signing in with a key, the session cookie's flags, sign-out, and the refusal of cross-site posts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.ratelimit import FailedAuthLimiter
from tests.web.conftest import Headers, SignIn, csrf_of, key_of


def test_pages_send_to_sign_in_without_a_session(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, follow_redirects=False)
    answer = browser.get("/annuaire?kind=ACI")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?suite=/annuaire%3Fkind%3DACI"
    page = browser.get("/connexion")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert '<label for="cle">Clé d\'accès</label>' in page.text


def test_an_unknown_key_is_refused_in_french(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post("/connexion", data={"cle": "pln_inconnue", "suite": "/"})
    assert answer.status_code == 401
    assert "Clé inconnue" in answer.text
    assert "planner_session" not in answer.headers.get("set-cookie", "")


def test_the_session_cookie_is_httponly_and_strict(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post("/connexion", data={"cle": key_of(coordinator), "suite": "/marches"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/marches"
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("planner_session=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on 127.0.0.1: a Secure cookie would never come back
    assert key_of(coordinator).lower() not in cookie  # the key itself never travels in the cookie


def test_the_cookie_is_secure_over_https(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, base_url="https://planner.example", follow_redirects=False)
    answer = browser.post("/connexion", data={"cle": key_of(coordinator), "suite": "/"})
    assert "secure" in answer.headers["set-cookie"].lower()


def test_sign_in_never_redirects_to_another_site(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post("/connexion", data={"cle": key_of(coordinator), "suite": "//evil.example/x"})
    assert answer.headers["location"] == "/"


def test_a_forged_cookie_is_not_a_session(app: FastAPI, sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    value = browser.cookies["planner_session"]
    forged = TestClient(app, follow_redirects=False)
    forged.cookies.set("planner_session", value[:-4] + "0000")
    assert forged.get("/").status_code == 303


def test_sign_out_ends_the_session(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    home = browser.get("/")
    assert home.status_code == 200
    assert "Tableau de bord" in home.text
    answer = browser.post("/deconnexion", data={"csrf": csrf_of(home.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion"
    assert browser.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    answer = browser.post("/deconnexion", data={"csrf": "0" * 64})
    assert answer.status_code == 403
    assert "jeton de sécurité" in answer.text
    answer = browser.post("/deconnexion", data={})
    assert answer.status_code == 403
    assert browser.get("/").status_code == 200  # still signed in


def test_a_post_from_another_site_is_refused(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    token = csrf_of(browser.get("/").text)
    cross = browser.post("/deconnexion", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert "depuis un autre site" in cross.text
    origin = browser.post("/deconnexion", data={"csrf": token}, headers={"Origin": "https://evil.example"})
    assert origin.status_code == 403
    assert browser.get("/").status_code == 200
    same = browser.post("/deconnexion", data={"csrf": token}, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 303


def test_sign_in_from_another_site_is_refused(app: FastAPI, coordinator: Headers) -> None:
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post(
        "/connexion", data={"cle": key_of(coordinator)}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_the_api_reads_with_the_session_but_never_writes(sign_in: SignIn, coordinator: Headers) -> None:
    browser = sign_in(coordinator)
    assert browser.get("/api/v1/structures").status_code == 200
    answer = browser.post("/api/v1/tenders/import/ocds", json={})
    assert answer.status_code == 401


def test_api_docs_are_served_without_any_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text
    script = client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text


@pytest.fixture
def strict_limiter(app: FastAPI) -> Iterator[None]:
    """A limiter of two refused keys, in place of the app's for one test (its count is the app's own)."""
    kept = app.state.auth_limiter
    app.state.auth_limiter = FailedAuthLimiter(limit=2, window_s=60)
    yield
    app.state.auth_limiter = kept


def test_sign_in_counts_refused_keys_like_the_api(
    app: FastAPI, coordinator: Headers, strict_limiter: None
) -> None:
    browser = TestClient(app, follow_redirects=False)
    for _ in range(2):
        assert browser.post("/connexion", data={"cle": "pln_devinee"}).status_code == 401
    answer = browser.post("/connexion", data={"cle": key_of(coordinator)})
    assert answer.status_code == 429
    assert "Trop de clés refusées" in answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert "planner_session" not in answer.headers.get("set-cookie", "")
