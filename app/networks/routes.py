"""`/api/v1/network`: which network and role the caller's key gives."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.deps import CallerDep
from app.networks.schemas import NetworkPublic

router = APIRouter(prefix="/network", tags=["network"])


@router.get("", response_model=NetworkPublic)
def read_network(caller: CallerDep) -> NetworkPublic:
    """Say which network the key belongs to and what it may do."""
    return NetworkPublic(
        slug=caller.network_slug, name=caller.network_name, role=caller.role, key_prefix=caller.key_prefix
    )
