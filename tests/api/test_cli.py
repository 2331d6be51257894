"""`planner keys create`, `planner migrate` and `planner serve`, as a coordinator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import DEVELOPMENT_SECRET_KEY, Settings
from app.models import metadata
from app.networks.models import Role
from tests.api.conftest import colleges, structure_body, tender_body
from tests.conftest import new_key

runner = CliRunner()


def test_keys_create_prints_the_key_alone_on_the_last_line(client: TestClient, settings: Settings) -> None:
    runner.invoke(cli, ["networks", "create", "inser-eco93"], env={"DATABASE_URL": settings.database_url})
    result = runner.invoke(
        cli,
        ["keys", "create", "--network", "inser-eco93", "--role", "coordinator"],
        env={"DATABASE_URL": settings.database_url},
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.rstrip("\n").splitlines()[-1]
    assert " " not in key
    response = client.get("/api/v1/network", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert (response.json()["slug"], response.json()["role"]) == ("inser-eco93", "coordinator")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--network", "Inser Eco", "--role", "viewer"], "identifiant de réseau invalide"),
        (["--network", "inser-eco39", "--role", "viewer"], "réseau inconnu 'inser-eco39'"),
        (["--network", "inser-eco93", "--role", "boss"], "'boss' is not one of"),
    ],
)
def test_keys_create_refuses_bad_input_in_words(settings: Settings, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["keys", "create", *args], env={"DATABASE_URL": settings.database_url})
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["migrate"], env={"DATABASE_URL": "mysql://db/planner"})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "erreur : DATABASE_URL : une URL sqlite:/// ou postgresql:// est attendue"
    ]


def test_a_configuration_refused_as_a_whole_is_one_line(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'planner.db'}",
        "ENVIRONMENT": "production",
        "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
    }
    result = runner.invoke(cli, ["migrate"], env=env)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("erreur : configuration : SECRET_KEY est la clé de développement")


def test_migrate_works_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(cli, ["migrate"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """`planner serve` on a fresh SQLite file in an empty directory, never migrated beforehand."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ENVIRONMENT"}}
    planner = str(Path(sys.executable).with_name("planner"))
    port = _free_port()
    server = subprocess.Popen(
        [planner, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        # Generous: the machine running the tests may be busy; a healthy start takes about a second.
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/api/v1/health"):
            if server.poll() is not None or time.monotonic() > deadline:
                server.terminate()
                pytest.fail(f"planner serve did not answer: {server.communicate(timeout=5)[1].decode()}")
            time.sleep(0.1)
        assert (tmp_path / "planner.db").exists()
        # Keys straight from the service (the command is tested above): each process start costs seconds.
        engine = create_engine(f"sqlite:///{tmp_path / 'planner.db'}")
        wanted = [("inser-eco93", "coordinator"), ("inser-eco93", "viewer"), ("autre", "coordinator")]
        keys = {f"{network}/{role}": new_key(engine, network, Role(role)) for network, role in wanted}
        engine.dispose()
        yield base, keys
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_planner_serve_on_a_fresh_sqlite_file(served: tuple[str, dict[str, dict[str, str]]]) -> None:
    base, auth = served
    with httpx.Client(base_url=f"{base}/api/v1", headers=auth["inser-eco93/coordinator"]) as api:
        bad = api.post("/structures", json=structure_body(siret="12345678901234"))
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "siret"
        structure = api.post("/structures", json=structure_body())
        assert structure.status_code == 201
        tender = api.post("/tenders", json=tender_body(sites=colleges()))
        assert tender.status_code == 201
        assert api.get(f"/tenders/{tender.json()['id']}").json() == tender.json()
        viewer = api.post("/structures", json=structure_body(kind="EI"), headers=auth["inser-eco93/viewer"])
        assert viewer.status_code == 403
        for url in (f"/structures/{structure.json()['id']}", f"/tenders/{tender.json()['id']}"):
            assert api.get(url, headers=auth["autre/coordinator"]).status_code == 404


def test_an_unreachable_database_is_one_line() -> None:
    url = "postgresql://postgres@127.0.0.1:1/planner"
    result = runner.invoke(
        cli, ["keys", "create", "--network", "x", "--role", "viewer"], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("erreur : base de données injoignable : ")
