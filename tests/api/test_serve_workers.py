"""`planner serve --workers N`: several API processes on PostgreSQL, refused on SQLite."""

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
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.networks.models import Role
from tests.conftest import new_key

runner = CliRunner()


def test_several_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["serve", "--workers", "2"], env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "erreur : --workers 2 : plusieurs processus demandent PostgreSQL (DATABASE_URL) ; sur SQLite, un seul"
        " processus sert la base et y résout les plans"
    ]
    assert not (tmp_path / "x.db").exists()


def test_several_processes_are_refused_when_plans_are_solved_in_the_server() -> None:
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none", "JOBS_MODE": "embedded"}
    result = runner.invoke(cli, ["serve", "--workers", "3"], env=env)
    assert result.exit_code == 2
    assert "JOBS_MODE=embedded" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> set[int]:
    tasks = Path(f"/proc/{pid}/task")
    return {int(c) for task in tasks.iterdir() for c in (task / "children").read_text().split()}


@pytest.fixture
def two_processes(
    settings: Settings, db: Engine, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    if settings.is_sqlite:
        pytest.skip("several API processes need PostgreSQL: run with TEST_DATABASE_URL")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"SESSION_SECRET", "JOBS_MODE"}}
    env["DATABASE_URL"] = settings.database_url
    planner = str(Path(sys.executable).with_name("planner"))
    server = subprocess.Popen(
        [planner, "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.log").read_text())
            time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_two_api_processes_serve_one_database(
    two_processes: tuple[str, subprocess.Popen[bytes]], db: Engine
) -> None:
    base, server = two_processes
    deadline = time.monotonic() + 30
    while len(_children(server.pid)) < 2:
        assert time.monotonic() < deadline, "two API processes did not start"
        time.sleep(0.2)
    headers = new_key(db, "inser-eco93", Role.coordinator)
    # A new connection per request: the processes take turns accepting them.
    for _ in range(10):
        assert httpx.get(f"{base}/api/v1/network", headers=headers).status_code == 200
    # A web session opened by one process is read by the other: they share the signing secret.
    key = headers["Authorization"].removeprefix("Bearer ")
    signed_in = httpx.post(f"{base}/connexion", data={"cle": key, "suite": "/"})
    assert signed_in.status_code == 303
    cookies = dict(signed_in.cookies)
    pages = [httpx.get(f"{base}/", cookies=cookies).status_code for _ in range(10)]
    assert pages == [200] * 10
