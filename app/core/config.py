"""Settings, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WORKERS_NEED_POSTGRESQL = (
    "JOBS_MODE=workers demande une DATABASE_URL PostgreSQL : la file des calculs est dans PostgreSQL"
)

EMBEDDED_DATABASE_URL = "sqlite:///./planner.db"
# Published with the code, so it protects nothing: refused outside development.
DEVELOPMENT_SECRET_KEY = "cGxhbm5lci1kZXZlbG9wbWVudC1vbmx5LWtleS0wMDA="


class Settings(BaseSettings):
    """The service's configuration; every field is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = EMBEDDED_DATABASE_URL
    """SQLAlchemy URL: an SQLite file (embedded default) or PostgreSQL through psycopg 3."""

    environment: Literal["development", "production"] = "development"

    sql_echo: bool = False
    """Log every SQL statement (development aid)."""

    jobs_mode: Literal["auto", "embedded", "workers"] = "auto"
    """Where plans are solved: `auto` = in `planner serve` on SQLite, by `planner worker` on PostgreSQL."""

    session_secret: str | None = Field(default=None, min_length=32)
    """Key that signs the web app's session cookies; by default a random one per process (sign-ins
    then end when the server restarts, and several server processes need the same value)."""

    runner_concurrency: int = Field(default=1, ge=1, le=64)
    """Plans solved at once by the embedded runner (one process each)."""

    shutdown_grace_s: int = Field(default=10, ge=0, le=3600)
    """On SIGTERM, `planner serve` lets requests under way finish for this long, then stops anyway."""

    secret_key: str = DEVELOPMENT_SECRET_KEY
    """Server key that encrypts webhook signing secrets at rest: a Fernet key (32 bytes, URL-safe base64)."""

    webhook_allow_private_targets: bool = False
    """Let webhooks target loopback, private, link-local or reserved addresses (a receiver on this
    machine or network, e.g. in tests); off, such URLs are refused and never connected to."""

    webhook_secret_overlap_s: int = Field(default=86_400, ge=0, le=30 * 86_400)
    """After a webhook's secret is rotated, deliveries are signed with the old secret too for this long."""

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: str) -> str:
        try:
            Fernet(value)
        except ValueError:
            raise ValueError(
                "une clé Fernet est attendue (32 octets en base64 URL) ; en créer une avec "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from None
        return value

    max_body_bytes: int = Field(default=1_000_000, ge=1_000, le=1_000_000_000)
    """Largest request body, in bytes, of the routes not named below; a larger one is a 413."""

    max_tender_body_bytes: int = Field(default=32_000_000, ge=1_000, le=1_000_000_000)
    """Largest body of `POST /tenders` and `PATCH /tenders/{id}` (a tender with its lots and sites)."""

    max_ocds_body_bytes: int = Field(default=64_000_000, ge=1_000, le=1_000_000_000)
    """Largest OCDS release package of `POST /tenders/import/ocds`."""

    max_csv_rows: int = Field(default=20_000, ge=1, le=1_000_000)
    """Largest number of data rows of a directory CSV import (`POST /structures/import`, the web
    form); a file with more is refused whole (413), nothing stored."""

    plan_max_time_limit_s: float = Field(default=600, gt=0, le=3600)
    """Largest `options.time_limit_s` a plan may ask for."""

    plan_max_alternatives: int = Field(default=10, ge=1, le=20)
    """Largest `options.alternatives` (groupings ranked) a plan may ask for."""

    plan_max_active_per_network: int = Field(default=10, ge=1, le=10_000)
    """Plans of one network queued or running at once; one more is a 429 with `Retry-After`."""

    portfolio_max_tenders: int = Field(default=10, ge=1, le=100)
    """Tenders a portfolio may plan together."""

    auth_failure_limit: int = Field(default=20, ge=1, le=100_000)
    """Refused API keys allowed per client address within `AUTH_FAILURE_WINDOW_S`; then 429."""

    auth_failure_window_s: float = Field(default=60, gt=0, le=86_400)

    @field_validator("database_url")
    @classmethod
    def _psycopg3(cls, value: str) -> str:
        # `postgresql://` would make SQLAlchemy look for psycopg2, which the project does not install.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        if not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("une URL sqlite:/// ou postgresql:// est attendue")
        return value

    @model_validator(mode="after")
    def _workers_need_postgresql(self) -> Settings:
        if self.jobs_mode == "workers" and self.is_sqlite:
            raise ValueError(WORKERS_NEED_POSTGRESQL)
        return self

    @model_validator(mode="after")
    def _own_key_outside_development(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError(
                "SECRET_KEY est la clé de développement, publiée : donnez une clé à vous en production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")
