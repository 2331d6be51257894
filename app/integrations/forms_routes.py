"""DC1 and DC4 drafts: of the tender's accepted grouping, or of any grouping of a done plan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.core.deps import CallerDep, ResourceId, SessionDep
from app.core.errors import Problem
from app.integrations import groupings
from app.integrations.forms import Dc1, Dc4, GroupingForm, dc1, dc4s
from app.integrations.forms_pdf import dc1_pdf, dc4_pdf
from app.integrations.groupings import GroupingContext

router = APIRouter(tags=["forms"])

Rank = Annotated[int, Path(ge=1, le=20, description="rank of the grouping in the plan's result")]
FormQuery = Annotated[
    GroupingForm | None,
    Query(description="conjoint or solidaire; by default solidaire when every member is an SIAE (GMES)"),
]
_PDF: dict[str, Any] = {"content": {"application/pdf": {}}, "description": "the draft as a PDF document"}
_NO_GROUPING: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "no accepted grouping, or the plan is not done"}
}


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


def _dc1(context: GroupingContext, form: GroupingForm | None) -> Dc1:
    return dc1(context.grouping, context.tender, context.parties, form)


def _dc4(context: GroupingContext) -> list[Dc4]:
    return dc4s(context.grouping, context.tender, context.parties)


@router.get("/tenders/{tender_id}/dc1", response_model=Dc1, responses=_NO_GROUPING)
def tender_dc1(session: SessionDep, caller: CallerDep, tender_id: ResourceId, form: FormQuery = None) -> Dc1:
    """DC1 draft of the tender's accepted grouping: buyer, object, lots, members and mandataire."""
    return _dc1(groupings.accepted_or_conflict(session, caller.network_id, tender_id), form)


@router.get("/tenders/{tender_id}/dc1.pdf", response_class=Response, responses={200: _PDF, **_NO_GROUPING})
def tender_dc1_pdf(
    session: SessionDep, caller: CallerDep, tender_id: ResourceId, form: FormQuery = None
) -> Response:
    """DC1 draft of the tender's accepted grouping, as PDF."""
    context = groupings.accepted_or_conflict(session, caller.network_id, tender_id)
    return _pdf(dc1_pdf(_dc1(context, form)), f"DC1-{context.tender['reference']}.pdf")


@router.get("/tenders/{tender_id}/dc4", response_model=list[Dc4], responses=_NO_GROUPING)
def tender_dc4(session: SessionDep, caller: CallerDep, tender_id: ResourceId) -> list[Dc4]:
    """DC4 drafts of the tender's accepted grouping: one per subcontracting line."""
    return _dc4(groupings.accepted_or_conflict(session, caller.network_id, tender_id))


@router.get("/tenders/{tender_id}/dc4.pdf", response_class=Response, responses={200: _PDF, **_NO_GROUPING})
def tender_dc4_pdf(session: SessionDep, caller: CallerDep, tender_id: ResourceId) -> Response:
    """DC4 drafts of the tender's accepted grouping, one page per subcontracting line, as PDF."""
    context = groupings.accepted_or_conflict(session, caller.network_id, tender_id)
    return _pdf(dc4_pdf(_dc4(context)), f"DC4-{context.tender['reference']}.pdf")


@router.get("/plans/{plan_id}/groupings/{rank}/dc1", response_model=Dc1, responses=_NO_GROUPING)
def plan_dc1(
    session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank, form: FormQuery = None
) -> Dc1:
    """DC1 draft of one grouping of a done plan, accepted or not."""
    return _dc1(groupings.of_plan(session, caller.network_id, plan_id, rank), form)


@router.get(
    "/plans/{plan_id}/groupings/{rank}/dc1.pdf",
    response_class=Response,
    responses={200: _PDF, **_NO_GROUPING},
)
def plan_dc1_pdf(
    session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank, form: FormQuery = None
) -> Response:
    """DC1 draft of one grouping of a done plan, as PDF."""
    context = groupings.of_plan(session, caller.network_id, plan_id, rank)
    return _pdf(dc1_pdf(_dc1(context, form)), f"DC1-{context.tender['reference']}-{rank}.pdf")


@router.get("/plans/{plan_id}/groupings/{rank}/dc4", response_model=list[Dc4], responses=_NO_GROUPING)
def plan_dc4(session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank) -> list[Dc4]:
    """DC4 drafts of one grouping of a done plan."""
    return _dc4(groupings.of_plan(session, caller.network_id, plan_id, rank))


@router.get(
    "/plans/{plan_id}/groupings/{rank}/dc4.pdf",
    response_class=Response,
    responses={200: _PDF, **_NO_GROUPING},
)
def plan_dc4_pdf(session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank) -> Response:
    """DC4 drafts of one grouping of a done plan, as PDF."""
    context = groupings.of_plan(session, caller.network_id, plan_id, rank)
    return _pdf(dc4_pdf(_dc4(context)), f"DC4-{context.tender['reference']}-{rank}.pdf")
