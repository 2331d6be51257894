"""`/api/v1/tenders`: the tenders the network answers, with their lots and sites."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.core.deps import CallerDep, Limit, Offset, ResourceId, SessionDep, WriterDep
from app.core.errors import Problem
from app.tenders import service
from app.tenders.schemas import TenderCreate, TenderPublic, TendersPublic, TenderUpdate
from solver.problem import TenderKind

router = APIRouter(prefix="/tenders", tags=["tenders"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "reference already used in the network"}
}


@router.post("", response_model=TenderPublic, status_code=201, responses=_PROBLEMS)
def create_tender(session: SessionDep, caller: WriterDep, body: TenderCreate) -> TenderPublic:
    """Record a tender with all its lots and sites, all or nothing."""
    return service.create(session, caller.network_id, body)


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
def read_tender(session: SessionDep, caller: CallerDep, tender_id: ResourceId) -> TenderPublic:
    """Read one tender with its lots and sites."""
    return service.read(session, caller.network_id, tender_id)


@router.patch("/{tender_id}", response_model=TenderPublic, responses=_PROBLEMS)
def update_tender(
    session: SessionDep, caller: WriterDep, tender_id: ResourceId, body: TenderUpdate
) -> TenderPublic:
    """Change header fields of a tender, or replace all its lots."""
    return service.update(session, caller.network_id, tender_id, body)


@router.delete("/{tender_id}", status_code=204)
def delete_tender(session: SessionDep, caller: WriterDep, tender_id: ResourceId) -> Response:
    """Delete a tender with its lots and sites."""
    service.delete(session, caller.network_id, tender_id)
    return Response(status_code=204)
