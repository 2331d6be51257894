"""Networks and their API keys: create, list, revoke, and authenticate a caller by key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.core.security import display_prefix, new_token, token_digest
from app.networks.models import ApiKey, Network, Role

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 64
MAX_NAME_LENGTH = 200
# A key's last use is written at most this often: one write per minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class NetworkError(ValueError):
    """A request about networks or keys that cannot be done, said in words for the command line."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the network a key belongs to and the key's role."""

    network_id: int
    network_slug: str
    network_name: str
    role: Role
    key_prefix: str


def check_slug(slug: str) -> str:
    if not SLUG.match(slug) or len(slug) > MAX_SLUG_LENGTH:
        raise NetworkError(
            f"identifiant de réseau invalide {slug!r} : lettres minuscules, chiffres et tirets,"
            f" {MAX_SLUG_LENGTH} caractères au plus"
        )
    return slug


def find_network(session: Session, slug: str) -> Network | None:
    return session.exec(select(Network).where(Network.slug == slug)).first()


def get_network(session: Session, slug: str) -> Network:
    """The network of that slug; an unknown one is refused with the command that creates it."""
    check_slug(slug)
    network = find_network(session, slug)
    if network is None:
        raise NetworkError(
            f"réseau inconnu {slug!r} : créez-le d'abord avec `planner networks create {slug}`"
            " (`planner networks list` liste les réseaux)"
        )
    return network


def create_network(session: Session, slug: str, name: str | None = None) -> Network:
    check_slug(slug)
    if name is not None and not 0 < len(name.strip()) <= MAX_NAME_LENGTH:
        raise NetworkError(f"nom de réseau vide ou trop long ({MAX_NAME_LENGTH} caractères au plus)")
    if find_network(session, slug) is not None:
        raise NetworkError(f"le réseau {slug!r} existe déjà")
    network = Network(slug=slug, name=(name or slug).strip())
    session.add(network)
    session.commit()
    session.refresh(network)
    return network


def get_or_create_network(session: Session, slug: str, name: str | None = None) -> Network:
    """The demo's own network (and tests' fixtures): found again, or created on first use."""
    return find_network(session, check_slug(slug)) or create_network(session, slug, name)


def list_networks(session: Session) -> list[tuple[Network, int]]:
    """Every network with its number of usable keys (neither revoked nor expired)."""
    usable = (
        select(ApiKey.network_id, func.count().label("keys"))
        .where(_usable(utcnow()))
        .group_by(col(ApiKey.network_id))
        .subquery()
    )
    rows = session.exec(
        select(Network, func.coalesce(usable.c["keys"], 0))
        .outerjoin(usable, usable.c["network_id"] == Network.id)
        .order_by(col(Network.slug))
    ).all()
    return [(network, int(keys)) for network, keys in rows]


def create_key(session: Session, network: Network, role: Role, expires_at: datetime | None = None) -> str:
    """Create a key for the network and return the token: the only time it is ever seen."""
    assert network.id is not None
    if expires_at is not None and expires_at <= utcnow():
        raise NetworkError(f"la date d'expiration {expires_at:%Y-%m-%d %H:%M} UTC est déjà passée")
    token = new_token()
    session.add(
        ApiKey(
            network_id=network.id,
            role=role.value,
            prefix=display_prefix(token),
            digest=token_digest(token),
            expires_at=expires_at,
        )
    )
    session.commit()
    return token


def list_keys(session: Session, network_id: int) -> list[ApiKey]:
    """The network's keys, newest first, revoked and expired ones included (they say so)."""
    query = select(ApiKey).where(ApiKey.network_id == network_id)
    return list(session.exec(query.order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())).all())


def find_key(session: Session, network_id: int, ref: str) -> ApiKey:
    """A key of the network by its id or by its prefix as `keys list` shows it (`pln_AbCd1234`)."""
    query = select(ApiKey).where(ApiKey.network_id == network_id)
    query = query.where(ApiKey.id == int(ref)) if ref.isdigit() else query.where(ApiKey.prefix == ref)
    found = session.exec(query).all()
    if not found:
        raise NetworkError(f"aucune clé {ref!r} dans ce réseau (`planner keys list` les montre)")
    if len(found) > 1:
        raise NetworkError(f"plusieurs clés commencent par {ref!r} : donnez l'identifiant de la clé")
    return found[0]


def revoke_key(session: Session, key: ApiKey) -> ApiKey:
    """Revoke a key for good: it answers 401 from now on. Revoking it again changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.commit()
        session.refresh(key)
    return key


def key_state(key: ApiKey, now: datetime | None = None) -> str:
    now = now or utcnow()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def _usable(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(ApiKey.revoked_at).is_(None),
        or_(col(ApiKey.expires_at).is_(None), col(ApiKey.expires_at) > now),
    )


def authenticate(session: Session, token: str) -> Caller | None:
    return authenticate_digest(session, token_digest(token))


def authenticate_digest(session: Session, digest: str) -> Caller | None:
    """The caller behind the usable key with this digest (a web session stores the digest, not the key).

    None for an unknown, revoked or expired key: revoking a key also ends the web sessions opened with it.
    """
    now = utcnow()
    row = session.exec(_key_query(digest, now)).first()
    if row is None:
        return None
    key, network = row
    return _caller(session, key, network, now)


# Adds to the key's query the rows of the key's network a request needs (the key's `network_id` column
# given), so that the key check and the read are one statement.
Along = Callable[[Any, Any], Any]


def authenticate_along(session: Session, token: str, along: Along) -> tuple[Caller, tuple[Any, ...]] | None:
    """`authenticate`, fetching in the same statement the rows that `along` joins to the key; None for
    an unknown, revoked or expired key."""
    now = utcnow()
    row = session.exec(along(_key_query(token_digest(token), now), col(ApiKey.network_id))).first()
    if row is None:
        return None
    key, network, *rest = row
    return _caller(session, key, network, now), tuple(rest)


def _key_query(digest: str, now: datetime) -> Any:
    return (
        select(ApiKey, Network)
        .join(Network, Network.id == ApiKey.network_id)  # type: ignore[arg-type]
        .where(ApiKey.digest == digest, _usable(now))
    )


def _caller(session: Session, key: ApiKey, network: Network, now: datetime) -> Caller:
    assert network.id is not None and key.id is not None
    # The last use is written at most once a minute per key: a polling client does not write each time.
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        session.connection().execute(update(ApiKey).where(col(ApiKey.id) == key.id).values(last_used_at=now))
        session.commit()
    return Caller(network.id, network.slug, network.name, Role(key.role), key.prefix)
