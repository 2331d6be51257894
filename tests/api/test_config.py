"""Settings: the embedded SQLite default, PostgreSQL URLs normalised to psycopg 3, bad URLs refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_default_is_the_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///./planner.db"
    assert settings.is_sqlite
    assert settings.environment == "development"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db:5432/planner",
        "postgres://u:p@db:5432/planner",
        "postgresql+psycopg://u:p@db:5432/planner",
    ],
)
def test_postgresql_urls_use_psycopg_3(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert Settings().database_url == "postgresql+psycopg://u:p@db:5432/planner"


@pytest.mark.parametrize("url", ["mysql://db/planner", "postgresql+psycopg2://db/planner", "planner.db"])
def test_other_databases_are_refused(url: str) -> None:
    refused = r"database_url\s+Value error, une URL sqlite:/// ou postgresql:// est attendue"
    with pytest.raises(ValidationError, match=refused):
        Settings(database_url=url)


def test_environment_is_development_or_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        Settings()
