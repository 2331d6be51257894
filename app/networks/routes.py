"""`/api/v1/network` and `/api/v1/keys`: the caller's network, and a coordinator's view of its keys."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import NotFound
from app.networks import service
from app.networks.models import ApiKey
from app.networks.schemas import KeyPublic, KeysPublic, NetworkPublic

router = APIRouter(tags=["network"])


@router.get("/network", response_model=NetworkPublic)
def read_network(caller: CallerDep) -> NetworkPublic:
    """Say which network the key belongs to and what it may do."""
    return NetworkPublic(
        slug=caller.network_slug, name=caller.network_name, role=caller.role, key_prefix=caller.key_prefix
    )


def _public(key: ApiKey) -> KeyPublic:
    return KeyPublic.model_validate(
        {**key.model_dump(), "state": service.key_state(key)}, from_attributes=False
    )


@router.get("/keys", response_model=KeysPublic)
def list_keys(session: SessionDep, caller: WriterDep, limit: Limit = 50, offset: Offset = 0) -> KeysPublic:
    """List the network's API keys (coordinator), newest first: prefix, role, dates, state; never a key."""
    keys = service.list_keys(session, caller.network_id)
    items = [_public(key) for key in keys[offset : offset + limit]]
    return KeysPublic(items=items, total=len(keys), limit=limit, offset=offset)


@router.delete("/keys/{key_id}", status_code=204)
def revoke_key(session: SessionDep, caller: WriterDep, key_id: ResourceId) -> Response:
    """Revoke one of the network's keys (coordinator): it answers 401 from now on."""
    try:
        key = service.find_key(session, caller.network_id, str(key_id))
    except service.NetworkError:
        raise NotFound(f"no key {key_id} in this network") from None
    service.revoke_key(session, key)
    return Response(status_code=204)
