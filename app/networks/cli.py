"""`planner networks create|list` and `planner keys create|list|revoke`: networks and their API keys.

`planner keys create --network SLUG --role ROLE` prints the key alone on the last line of stdout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.core.cli import database_reason, ensure_schema, fail, load_settings
from app.core.db import make_engine
from app.networks import service
from app.networks.models import ApiKey, Role

networks = typer.Typer(
    help="Gérer les réseaux (chaque réseau a ses structures, marchés et clés).", no_args_is_help=True
)
keys = typer.Typer(help="Gérer les clés d'API d'un réseau.", no_args_is_help=True)

T = TypeVar("T")
_DAYS = re.compile(r"^(\d{1,5})\s*(?:d|j)$")


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session on the configured database; a network's or the database's error is one French line
    on stderr and the exit code."""
    settings = load_settings()
    ensure_schema(settings)
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            yield session
    except service.NetworkError as exc:
        raise fail(str(exc), code=2) from None
    except SQLAlchemyError as exc:
        raise fail(f"base de données : {database_reason(exc)}", code=1) from None
    finally:
        engine.dispose()


def _run(work: Callable[[Session], T]) -> T:
    with session_scope() as session:
        return work(session)


def parse_expiry(value: str, now: datetime | None = None) -> datetime:
    """`90d` (or `90j`): that many days from now; `2027-06-30`: valid through that day (UTC)."""
    now = now or datetime.now(UTC)
    days = _DAYS.match(value.strip().lower())
    if days:
        return now + timedelta(days=int(days.group(1)))
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(), UTC) + timedelta(days=1)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} : une date (2027-06-30), un instant (2027-06-30T18:00+02:00) ou des jours (90d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@networks.command("create")
def create_network_command(
    slug: Annotated[str, typer.Argument(help="identifiant du réseau : minuscules, chiffres, tirets")],
    name: Annotated[str | None, typer.Option(help="nom du réseau (par défaut l'identifiant)")] = None,
) -> None:
    """Créer un réseau ; ses clés se créent ensuite avec `planner keys create --network SLUG`."""
    network = _run(lambda session: service.create_network(session, slug, name))
    typer.echo(f"réseau {network.slug!r} créé : {network.name}")


@networks.command("list")
def list_networks_command() -> None:
    """Lister les réseaux, avec leur nombre de clés utilisables."""
    rows = _run(service.list_networks)
    if not rows:
        typer.echo("aucun réseau : `planner networks create SLUG` en crée un")
        return
    width = max(len("réseau"), *(len(network.slug) for network, _ in rows))
    typer.echo(f"{'réseau':<{width}}  {'clés':>4}  {'créé le (UTC)':<16}  nom")
    for network, count in rows:
        typer.echo(f"{network.slug:<{width}}  {count:>4}  {_when(network.created_at):<16}  {network.name}")


@keys.command("create")
def create_key_command(
    network: Annotated[str, typer.Option(help="identifiant d'un réseau existant (`planner networks list`)")],
    role: Annotated[Role, typer.Option(help="coordinator écrit ; member et viewer lisent")],
    expires: Annotated[
        str | None,
        typer.Option(help="fin de validité : 2027-06-30 (incluse, UTC), un instant ISO, ou 90d (jours)"),
    ] = None,
) -> None:
    """Créer une clé d'API ; elle est affichée seule sur la dernière ligne (et plus jamais ensuite)."""
    expires_at = None if expires is None else parse_expiry(expires)

    def create(session: Session) -> tuple[str, str]:
        found = service.get_network(session, network)
        return found.slug, service.create_key(session, found, role, expires_at)

    slug, token = _run(create)
    until = "" if expires_at is None else f", valable jusqu'au {_when(expires_at)} UTC"
    typer.echo(
        f"clé {role.value} du réseau {slug!r}{until} (conservez-la : elle n'est pas stockée en clair) :"
    )
    typer.echo(token)


@keys.command("list")
def list_keys_command(
    network: Annotated[str, typer.Option(help="identifiant du réseau")],
) -> None:
    """Lister les clés d'un réseau : préfixe, rôle, création, dernière utilisation, expiration, état."""

    def rows(session: Session) -> list[ApiKey]:
        found = service.get_network(session, network)
        assert found.id is not None
        return service.list_keys(session, found.id)

    found = _run(rows)
    if not found:
        typer.echo(f"aucune clé dans le réseau {network!r}")
        return
    states = {"active": "active", "expired": "expirée", "revoked": "révoquée"}
    typer.echo(
        f"{'id':>5}  {'préfixe':<12}  {'rôle':<11}  {'créée (UTC)':<16}  {'utilisée (UTC)':<16}"
        f"  {'expire (UTC)':<16}  état"
    )
    for key in found:
        typer.echo(
            f"{key.id:>5}  {key.prefix:<12}  {key.role:<11}  {_when(key.created_at):<16}"
            f"  {_when(key.last_used_at):<16}  {_when(key.expires_at):<16}  {states[service.key_state(key)]}"
        )


@keys.command("revoke")
def revoke_key_command(
    key: Annotated[
        str, typer.Argument(help="préfixe de la clé (pln_AbCd1234) ou son id, vus dans `keys list`")
    ],
    network: Annotated[str, typer.Option(help="identifiant du réseau de la clé")],
) -> None:
    """Révoquer une clé : elle est refusée (401) dès maintenant."""

    def revoke(session: Session) -> ApiKey:
        found = service.get_network(session, network)
        assert found.id is not None
        return service.revoke_key(session, service.find_key(session, found.id, key))

    revoked = _run(revoke)
    typer.echo(f"clé {revoked.prefix} révoquée le {_when(revoked.revoked_at)} UTC")
