"""`/api/v1/commitments`: the hours accepted groupings hold, and their release."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.commitments import service
from app.commitments.models import CommitmentStatus
from app.commitments.schemas import CommitmentPublic, CommitmentsPublic
from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.core.etag import IfMatch, tagged
from app.core.schemas import MAX_INT

router = APIRouter(prefix="/commitments", tags=["commitments"])

_PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"model": Problem, "description": "If-Match names another version than the current one"}
}
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_INT)]


@router.get("", response_model=CommitmentsPublic)
def list_commitments(
    session: SessionDep,
    caller: CallerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    status: CommitmentStatus | None = None,
    tender_id: OptionalId = None,
    structure_id: Annotated[int | None, Query(ge=1, le=MAX_INT, description="holds hours of it")] = None,
) -> CommitmentsPublic:
    """List the network's commitments, newest first, filtered and paged."""
    return service.list_commitments(
        session,
        caller.network_id,
        status=status,
        tender_id=tender_id,
        structure_id=structure_id,
        limit=limit,
        offset=offset,
    )


@router.get("/{commitment_id}", response_model=CommitmentPublic)
def read_commitment(
    response: Response, session: SessionDep, caller: CallerDep, commitment_id: ResourceId
) -> CommitmentPublic:
    """Read one commitment; its `ETag` is the version to give in `If-Match` when releasing it."""
    commitment = service.read(session, caller.network_id, commitment_id)
    tagged(response, commitment)
    return commitment


@router.post("/{commitment_id}/release", response_model=CommitmentPublic, responses=_PRECONDITION)
def release_commitment(
    response: Response,
    session: SessionDep,
    caller: WriterDep,
    commitment_id: ResourceId,
    if_match: IfMatch = None,
) -> CommitmentPublic:
    """Free the commitment's hours for later plans; releasing it again changes nothing."""
    commitment = service.release(session, caller.network_id, commitment_id, if_match=if_match)
    tagged(response, commitment)
    return commitment
