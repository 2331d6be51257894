"""`planner keys create --network SLUG --role ROLE`: the way a network gets its first API key."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.core.cli import database_reason, ensure_schema, load_settings
from app.core.db import make_engine
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network

keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@keys.command("create")
def create_key_command(
    network: Annotated[str, typer.Option(help="network slug; the network is created if missing")],
    role: Annotated[Role, typer.Option(help="coordinator writes; member and viewer read")],
    name: Annotated[str | None, typer.Option(help="the network's name, when it is created")] = None,
) -> None:
    """Create an API key; the key is printed alone on the last line (it is never shown again)."""
    settings = load_settings()
    ensure_schema(settings)
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            found = get_or_create_network(session, network, name)
            token = create_key(session, found, role)
            slug = found.slug
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except SQLAlchemyError as exc:
        reason = database_reason(exc)
        typer.echo(f"error: cannot create the key: {reason}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"{role.value} key for network {slug!r} (keep it: it is not stored in clear):")
    typer.echo(token)
