"""`planner serve` (one or several API processes) and `planner migrate`."""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from app.core import migrate
from app.core.config import Settings
from app.jobs.backend import resolve_mode
from app.main import create_app


def fail(message: str, code: int) -> typer.Exit:
    """The command's error as every `planner` command says one: a French line on stderr, `erreur : ` then
    the option, argument or variable at fault and why; raise the exit it returns."""
    typer.echo(f"erreur : {message}", err=True)
    return typer.Exit(code=code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Each variable at fault named (DATABASE_URL); a check of several is the configuration's.
        reasons = " ; ".join(
            f"{'.'.join(map(str, e['loc'])).upper() or 'configuration'} : "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise fail(reasons, code=2) from None


def database_reason(exc: SQLAlchemyError) -> str:
    """The database's own one-line reason, without SQLAlchemy's statement dump."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def unreachable(exc: SQLAlchemyError) -> typer.Exit:
    """The database did not answer: say why in one line (exit 1)."""
    return fail(f"base de données injoignable : {database_reason(exc)}", code=1)


def migrate_or_exit(settings: Settings) -> None:
    try:
        migrate.upgrade(settings)
    except SQLAlchemyError as exc:
        raise fail(f"migration de la base de données impossible : {database_reason(exc)}", code=1) from None


def migrate_command() -> None:
    """Apply the database migrations (DATABASE_URL, SQLite file by default)."""
    settings = load_settings()
    migrate_or_exit(settings)
    typer.echo("base de données à jour")


def ensure_schema(settings: Settings) -> None:
    """The embedded SQLite database is migrated on first use; PostgreSQL waits for `planner migrate`."""
    if settings.is_sqlite:
        migrate_or_exit(settings)
        return
    try:
        current = migrate.is_current(settings)
    except SQLAlchemyError as exc:
        raise unreachable(exc) from None
    if not current:
        raise fail("base de données pas à jour : lancer d'abord `planner migrate`", code=1)


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(help="API processes sharing the port (PostgreSQL only; 1 on SQLite)", min=1, max=64),
    ] = 1,
) -> None:
    """Serve the HTTP API (the embedded SQLite database is migrated on start)."""
    settings = load_settings()
    if workers > 1:
        refusal = several_processes_refusal(settings)
        if refusal:
            raise fail(f"--workers {workers} : {refusal}", code=2)
    ensure_schema(settings)
    if workers == 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, timeout_graceful_shutdown=settings.shutdown_grace_s
        )
        return
    if settings.session_secret is None:
        # Every process signs and reads the web sessions: they must share one secret.
        os.environ["SESSION_SECRET"] = secrets.token_hex(32)
    # Each process builds its app from the same environment (settings are read again there).
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )


def several_processes_refusal(settings: Settings) -> str | None:
    """Why several API processes cannot serve this configuration, or None when they can."""
    if settings.is_sqlite:
        return (
            "plusieurs processus demandent PostgreSQL (DATABASE_URL) ; sur SQLite, un seul processus"
            " sert la base et y résout les plans"
        )
    if resolve_mode(settings.jobs_mode, settings.database_url) == "embedded":
        return (
            "JOBS_MODE=embedded résout les plans dans le serveur, qui doit rester seul ; avec"
            " plusieurs processus, les plans sont résolus par `planner worker` (JOBS_MODE=auto)"
        )
    return None
