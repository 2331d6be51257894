"""Settings, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_DATABASE_URL = "sqlite:///./planner.db"


class Settings(BaseSettings):
    """The service's configuration; every field is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = EMBEDDED_DATABASE_URL
    """SQLAlchemy URL: an SQLite file (embedded default) or PostgreSQL through psycopg 3."""

    environment: Literal["development", "production"] = "development"

    sql_echo: bool = False
    """Log every SQL statement (development aid)."""

    @field_validator("database_url")
    @classmethod
    def _psycopg3(cls, value: str) -> str:
        # `postgresql://` would make SQLAlchemy look for psycopg2, which the project does not install.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        if not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("DATABASE_URL must be an sqlite:/// or postgresql:// URL")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")
