"""Choosing where plans are solved, and `planner worker` refusing what it cannot serve."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.jobs.backend import EmbeddedJobs, WorkerJobs, make_jobs
from app.jobs.runner import EmbeddedRunner


def test_the_mode_follows_the_database_unless_set() -> None:
    sqlite, postgresql = "sqlite:///planner.db", "postgresql+psycopg://planner@db/planner"
    assert isinstance(make_jobs("auto", sqlite, engine=None), EmbeddedJobs)  # type: ignore[arg-type]
    assert isinstance(make_jobs("auto", postgresql, engine=None), WorkerJobs)  # type: ignore[arg-type]
    forced = make_jobs("embedded", postgresql, engine=None, runner_concurrency=2)  # type: ignore[arg-type]
    assert isinstance(forced, EmbeddedJobs) and isinstance(forced.runner, EmbeddedRunner)
    assert forced.runner.concurrency == 2


def test_workers_on_sqlite_are_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="JOBS_MODE=workers demande une DATABASE_URL PostgreSQL"):
        Settings(database_url="sqlite:///planner.db", jobs_mode="workers")


def test_planner_worker_on_sqlite_says_why_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///planner.db")
    result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "erreur : DATABASE_URL : planner worker demande une base PostgreSQL ; sur la base SQLite embarquée, "
        "`planner serve` résout lui-même les plans"
    ]
