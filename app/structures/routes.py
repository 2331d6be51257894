"""`/api/v1/structures`: the network's directory of SIAE and neighbours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.structures import service
from app.structures.schemas import StructureCreate, StructurePublic, StructuresPublic, StructureUpdate
from solver.problem import StructureKind, _check_trade

router = APIRouter(prefix="/structures", tags=["structures"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "same SIRET and kind already in the network"}
}


@router.post("", response_model=StructurePublic, status_code=201, responses=_PROBLEMS)
def create_structure(session: SessionDep, caller: WriterDep, body: StructureCreate) -> StructurePublic:
    """Add a structure to the network."""
    return service.create(session, caller.network_id, body)


@router.get("", response_model=StructuresPublic)
def list_structures(
    session: SessionDep,
    caller: CallerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    kind: StructureKind | None = None,
    trade: Annotated[
        str | None, Query(description="holds capacity in this trade"), AfterValidator(_check_trade)
    ] = None,
    territory: Annotated[str | None, Query(max_length=100)] = None,
    siret: Annotated[str | None, Query(max_length=20)] = None,
    siren: Annotated[
        str | None,
        Query(pattern=r"^\d{9}$", description="the legal entity's structures (one per SIRET and kind)"),
    ] = None,
) -> StructuresPublic:
    """List the network's structures, filtered and paged."""
    return service.list_structures(
        session,
        caller.network_id,
        kind=kind.value if kind else None,
        trade=trade,
        territory=territory,
        siret=siret,
        siren=siren,
        limit=limit,
        offset=offset,
    )


@router.get("/{structure_id}", response_model=StructurePublic)
def read_structure(session: SessionDep, caller: CallerDep, structure_id: ResourceId) -> StructurePublic:
    """Read one structure."""
    return service.read(session, caller.network_id, structure_id)


@router.patch("/{structure_id}", response_model=StructurePublic, responses=_PROBLEMS)
def update_structure(
    session: SessionDep, caller: WriterDep, structure_id: ResourceId, body: StructureUpdate
) -> StructurePublic:
    """Change some fields of a structure."""
    return service.update(session, caller.network_id, structure_id, body)


@router.delete("/{structure_id}", status_code=204)
def delete_structure(session: SessionDep, caller: WriterDep, structure_id: ResourceId) -> Response:
    """Remove a structure from the network."""
    service.delete(session, caller.network_id, structure_id)
    return Response(status_code=204)
