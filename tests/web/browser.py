"""A signed-in Chromium page for the web app's browser tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright import sync_api

from tests.web.test_browser import ARTIFACTS


@contextmanager
def signed_in(base: str, key: str) -> Iterator[tuple[sync_api.Page, list[str]]]:
    """Debian's Chromium at 1280 × 900 in French, signed in with `key`. The list collects every console
    error, script error, failed request and HTTP answer ≥ 400 the page meets: a test ends by asserting
    it is empty."""
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
        page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} {r.failure}"))

        def on_response(response: Any) -> None:
            if response.status >= 400:
                problems.append(f"HTTP {response.status} for {response.url}")

        page.on("response", on_response)
        page.goto(base + "/connexion")
        page.get_by_label("Clé d'accès").fill(key)
        page.get_by_role("button", name="Se connecter").click()
        try:
            yield page, problems
        finally:
            browser.close()
