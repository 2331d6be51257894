"""Web app fixtures: a browser-like client per test (its own cookies), signed in with a key of a role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

Headers = dict[str, str]
SignIn = Callable[[Headers], TestClient]


@pytest.fixture(autouse=True)
def _empty_after(db: Engine) -> None:
    """Every web test starts from and leaves an empty database."""


def key_of(headers: Headers) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def sign_in(app: FastAPI, client: TestClient) -> Iterator[SignIn]:
    """Clients signed in through the sign-in form; `client` keeps the app (and its plan runner) started."""
    opened: list[TestClient] = []

    def open_session(headers: Headers) -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        answer = browser.post("/connexion", data={"cle": key_of(headers), "suite": "/"})
        assert answer.status_code == 303, answer.text
        opened.append(browser)
        return browser

    yield open_session
    for browser in opened:
        browser.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
