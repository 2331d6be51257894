"""Networks and their API keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from app.core.security import display_prefix, new_token, token_digest
from app.networks.models import ApiKey, Network, Role

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the network a key belongs to and the key's role."""

    network_id: int
    network_slug: str
    network_name: str
    role: Role
    key_prefix: str


def get_or_create_network(session: Session, slug: str, name: str | None = None) -> Network:
    if not SLUG.match(slug):
        raise ValueError(f"invalid network slug {slug!r}: lowercase letters, digits and hyphens")
    network = session.exec(select(Network).where(Network.slug == slug)).first()
    if network is None:
        network = Network(slug=slug, name=name or slug)
        session.add(network)
        session.commit()
        session.refresh(network)
    return network


def create_key(session: Session, network: Network, role: Role) -> str:
    """Create a key for the network and return the token: the only time it is ever seen."""
    assert network.id is not None
    token = new_token()
    session.add(
        ApiKey(
            network_id=network.id, role=role.value, prefix=display_prefix(token), digest=token_digest(token)
        )
    )
    session.commit()
    return token


def authenticate(session: Session, token: str) -> Caller | None:
    return authenticate_digest(session, token_digest(token))


def authenticate_digest(session: Session, digest: str) -> Caller | None:
    """The caller behind the key with this digest (a web session stores the digest, not the key)."""
    row = session.exec(
        select(ApiKey, Network)
        .join(Network, Network.id == ApiKey.network_id)  # type: ignore[arg-type]
        .where(ApiKey.digest == digest)
    ).first()
    if row is None:
        return None
    key, network = row
    assert network.id is not None
    return Caller(network.id, network.slug, network.name, Role(key.role), key.prefix)
