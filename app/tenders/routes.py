"""`/api/v1/tenders`: the tenders the network answers, with their lots and sites."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.core.etag import IfMatch, tagged
from app.core.idempotency import IdempotencyDep, responses
from app.tenders import service
from app.tenders.schemas import TenderCreate, TenderPublic, TendersPublic, TenderUpdate
from solver.problem import TenderKind

router = APIRouter(prefix="/tenders", tags=["tenders"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "reference already used in the network"}
}
_PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"model": Problem, "description": "If-Match names another version than the current one"}
}


@router.post("", response_model=TenderPublic, status_code=201, responses=responses("reference already used"))
def create_tender(
    response: Response, session: SessionDep, caller: WriterDep, body: TenderCreate, once: IdempotencyDep
) -> TenderPublic:
    """Record a tender with all its lots and sites, all or nothing."""

    def create() -> TenderPublic:
        tender = service.create(session, caller.network_id, body)
        tagged(response, tender)
        return tender

    result: TenderPublic = once.run(body, create)
    return result


@router.get("", response_model=TendersPublic)
def list_tenders(
    session: SessionDep,
    caller: CallerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    kind: TenderKind | None = None,
) -> TendersPublic:
    """List the network's tenders (without their sites), filtered and paged."""
    return service.list_tenders(
        session, caller.network_id, kind=kind.value if kind else None, limit=limit, offset=offset
    )


@router.get("/{tender_id}", response_model=TenderPublic)
def read_tender(
    response: Response, session: SessionDep, caller: CallerDep, tender_id: ResourceId
) -> TenderPublic:
    """Read one tender with its lots and sites; its `ETag` is the version to give in `If-Match`."""
    tender = service.read(session, caller.network_id, tender_id)
    tagged(response, tender)
    return tender


@router.patch("/{tender_id}", response_model=TenderPublic, responses=_PROBLEMS | _PRECONDITION)
def update_tender(
    response: Response,
    session: SessionDep,
    caller: WriterDep,
    tender_id: ResourceId,
    body: TenderUpdate,
    if_match: IfMatch = None,
) -> TenderPublic:
    """Change header fields of a tender, or replace all its lots (only if still at `If-Match`, if given)."""
    tender = service.update(session, caller.network_id, tender_id, body, if_match=if_match)
    tagged(response, tender)
    return tender


@router.delete("/{tender_id}", status_code=204, responses=_PRECONDITION)
def delete_tender(
    session: SessionDep, caller: WriterDep, tender_id: ResourceId, if_match: IfMatch = None
) -> Response:
    """Delete a tender with its lots and sites (only if still at `If-Match`, if given)."""
    service.delete(session, caller.network_id, tender_id, if_match=if_match)
    return Response(status_code=204)
