"""`/api/v1/structures`: the network's directory of SIAE and neighbours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.core.etag import IfMatch, tagged
from app.core.idempotency import IdempotencyDep, responses
from app.structures import service
from app.structures.schemas import StructureCreate, StructurePublic, StructuresPublic, StructureUpdate
from solver.periods import check_trade
from solver.problem import StructureKind

router = APIRouter(prefix="/structures", tags=["structures"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "same SIRET and kind already in the network"}
}
_PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"model": Problem, "description": "If-Match names another version than the current one"}
}


@router.post(
    "",
    response_model=StructurePublic,
    status_code=201,
    responses=responses("same SIRET and kind already in the network"),
)
def create_structure(
    response: Response, session: SessionDep, caller: WriterDep, body: StructureCreate, once: IdempotencyDep
) -> StructurePublic:
    """Add a structure to the network."""

    def create() -> StructurePublic:
        structure = service.create(session, caller.network_id, body)
        tagged(response, structure)
        return structure

    result: StructurePublic = once.run(body, create)
    return result


@router.get("", response_model=StructuresPublic)
def list_structures(
    session: SessionDep,
    caller: CallerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    kind: StructureKind | None = None,
    trade: Annotated[
        str | None, Query(description="holds capacity in this trade"), AfterValidator(check_trade)
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
def read_structure(
    response: Response, session: SessionDep, caller: CallerDep, structure_id: ResourceId
) -> StructurePublic:
    """Read one structure; its `ETag` is the version to give in `If-Match`."""
    structure = service.read(session, caller.network_id, structure_id)
    tagged(response, structure)
    return structure


@router.patch("/{structure_id}", response_model=StructurePublic, responses=_PROBLEMS | _PRECONDITION)
def update_structure(
    response: Response,
    session: SessionDep,
    caller: WriterDep,
    structure_id: ResourceId,
    body: StructureUpdate,
    if_match: IfMatch = None,
) -> StructurePublic:
    """Change some fields of a structure (only if still at `If-Match`, if given)."""
    structure = service.update(session, caller.network_id, structure_id, body, if_match=if_match)
    tagged(response, structure)
    return structure


@router.delete("/{structure_id}", status_code=204, responses=_PRECONDITION)
def delete_structure(
    session: SessionDep, caller: WriterDep, structure_id: ResourceId, if_match: IfMatch = None
) -> Response:
    """Remove a structure from the network (only if still at `If-Match`, if given)."""
    service.delete(session, caller.network_id, structure_id, if_match=if_match)
    return Response(status_code=204)
