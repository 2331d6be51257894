"""For the web app's browser tests: `planner serve` on a fresh database (`served`) and a signed-in
Chromium page (`signed_in`). Screenshots go under `test-artifacts/`."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright import sync_api
from sqlmodel import Session

from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`planner serve` on a fresh SQLite database, and a coordinator key of its network."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'planner.db'}", jobs_mode="embedded")
    migrate.upgrade(settings)
    app = create_app(settings)
    with Session(app.state.engine) as session:
        network = get_or_create_network(session, "inser-eco93", "Inser'Éco 93")
        key = create_key(session, network, Role.coordinator)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", key
    server.should_exit = True
    thread.join(20)


@contextmanager
def signed_in(base: str, key: str) -> Iterator[tuple[sync_api.Page, list[str]]]:
    """Debian's Chromium at 1280 × 900 in French, signed in with `key` the way a coordinator is: the
    home page sends to the sign-in form, which sends back to it. The list collects every console error,
    script error, failed request and HTTP answer ≥ 400 the page meets: a test ends by asserting it is
    empty."""
    chromium = shutil.which("chromium")
    assert chromium, "the browser test needs Debian's chromium (apt-get install chromium)"
    problems: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on("requestfailed", lambda r: _failed(problems, r.url, r.failure))

        def on_response(response: Any) -> None:
            if response.status >= 400:
                problems.append(f"HTTP {response.status} for {response.url}")

        page.on("response", on_response)
        page.goto(base + "/")
        sync_api.expect(page).to_have_url(f"{base}/connexion?suite=/")
        page.get_by_label("Clé d'accès").fill(key)
        page.get_by_role("button", name="Se connecter").click()
        sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        try:
            yield page, problems
        finally:
            browser.close()


def _failed(problems: list[str], url: str, failure: str | None) -> None:
    """A request that failed, unless the browser itself gave it up (`net::ERR_ABORTED`): the page was
    left before it ended, e.g. the favicon of a page the test moved on from at once. A server's refusal
    still counts, as its HTTP answer ≥ 400."""
    if failure != "net::ERR_ABORTED":
        problems.append(f"failed request: {url} {failure}")
