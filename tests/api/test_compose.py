"""docker-compose.yml asks only for what the project provides: real commands, settings, routes, port."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import typer.main
import yaml
from cryptography.fernet import Fernet
from fastapi import FastAPI
from typer import _click as click

from app.cli import cli
from app.core.config import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def services() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded["services"]  # type: ignore[no-any-return]


def planner_invocations(command: str) -> list[list[str]]:
    """The `planner ...` commands chained in a `sh -c "a && b"` service command."""
    [shell, flag, script] = shlex.split(command)
    assert (shell, flag) == ("sh", "-c")
    return [shlex.split(part) for part in script.split("&&")]


def test_api_migrates_then_serves_with_real_commands_and_options() -> None:
    group = typer.main.get_command(cli)
    invocations = planner_invocations(services()["api"]["command"])
    assert [argv[:2] for argv in invocations] == [["planner", "migrate"], ["planner", "serve"]]
    for argv in invocations:
        # Click parses the arguments as the container would (an unknown option raises), without running.
        command = group.get_command(click.Context(group, info_name="planner"), argv[1])  # type: ignore[attr-defined]
        assert command is not None, argv
        command.make_context(argv[1], argv[2:])


def test_api_environment_is_made_of_settings_and_points_at_the_db_service() -> None:
    api = services()["api"]
    env = api["environment"]
    assert {name.lower() for name in env} <= set(Settings.model_fields)
    # Production has no default password: compose refuses to start without one.
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    url = env["DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "secret")
    # Nor a default server key: the development one is refused in production.
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    settings = Settings(
        database_url=url, environment=env["ENVIRONMENT"], secret_key=Fernet.generate_key().decode()
    )
    assert urlsplit(settings.database_url).hostname == "db"
    assert "db" in api["depends_on"]
    assert services()["db"]["healthcheck"]["test"]


def test_api_healthcheck_calls_a_real_route_on_the_served_port(app: FastAPI) -> None:
    api = services()["api"]
    serve = planner_invocations(api["command"])[-1]
    port = serve[serve.index("--port") + 1]
    probe = " ".join(api["healthcheck"]["test"])
    url = urlsplit(next(word for word in shlex.split(probe.replace("'", " ")) if word.startswith("http")))
    assert str(url.port) == port
    assert url.path in app.openapi()["paths"]
    assert any(mapping.endswith(f":{port}") for mapping in api["ports"])
