"""The candidature file's drafts, as JSON and PDF: of the tender's accepted grouping, or of any grouping
of a done plan. DC1, DC2 (one per member), DC4 (one per sous-traitance line), the répartition annex of
the acte d'engagement, and the mise à disposition summaries; the JSON Schema of each form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from app.core.deps import CallerDep, ResourceId, SessionDep
from app.core.errors import NotFound, Problem
from app.integrations import forms, groupings
from app.integrations.forms_models import FORM_MODELS, Annex, Dc1, Dc2, Dc4, FormBase, MadSummary
from app.integrations.forms_pdf import form_pdf
from app.integrations.forms_schemas import form_schema
from app.integrations.groupings import GroupingContext

router = APIRouter(tags=["forms"])

Rank = Annotated[int, Path(ge=1, le=20, description="rank of the grouping in the plan's result")]
FormQuery = Annotated[
    Literal["conjoint", "conjoint_mandataire_solidaire", "solidaire"] | None,
    Query(description="the groupement's form; by default the plan's"),
]
_PDF: dict[str, Any] = {"content": {"application/pdf": {}}, "description": "the draft as a PDF document"}
_NO_GROUPING: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "no accepted grouping, or the plan is not done"}
}

Builder = Callable[[forms.FormInput], Any]
DOCUMENTS: dict[str, tuple[Builder, Any, str]] = {
    # path -> (builder, JSON answer model, file name prefix)
    "dc1": (forms.dc1, Dc1, "DC1"),
    "dc2": (forms.dc2s, list[Dc2], "DC2"),
    "dc4": (forms.dc4s, list[Dc4], "DC4"),
    "annexe-repartition": (forms.annex, Annex, "annexe-repartition"),
    "mise-a-disposition": (forms.mad_summaries, list[MadSummary], "mise-a-disposition"),
}
SUMMARIES = {
    "dc1": "DC1: lettre de candidature et habilitation du mandataire",
    "dc2": "DC2: déclaration du candidat, one per member",
    "dc4": "DC4 (2024): déclaration de sous-traitance, one per sous-traitance line (never for staffing)",
    "annexe-repartition": "répartition annex of the acte d'engagement (ATTRI1), to the cent",
    "mise-a-disposition": "mise à disposition summaries: one per member receiving AI/ETTI staff",
}


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


def _render(context: GroupingContext, name: str, form: str | None, pdf: bool, suffix: str) -> Any:
    builder, _, prefix = DOCUMENTS[name]
    result = builder(context.form_input(form))
    if not pdf:
        return result
    documents: list[FormBase] = result if isinstance(result, list) else [result]
    return _pdf(form_pdf(documents, title=prefix), f"{prefix}-{context.tender['reference']}{suffix}.pdf")


def _register(name: str) -> None:
    _, model, _ = DOCUMENTS[name]

    def tender_json(
        session: SessionDep, caller: CallerDep, tender_id: ResourceId, form: FormQuery = None
    ) -> Any:
        return _render(
            groupings.accepted_or_conflict(session, caller.network_id, tender_id), name, form, False, ""
        )

    def tender_pdf(
        session: SessionDep, caller: CallerDep, tender_id: ResourceId, form: FormQuery = None
    ) -> Any:
        return _render(
            groupings.accepted_or_conflict(session, caller.network_id, tender_id), name, form, True, ""
        )

    def plan_json(
        session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank, form: FormQuery = None
    ) -> Any:
        return _render(groupings.of_plan(session, caller.network_id, plan_id, rank), name, form, False, "")

    def plan_pdf(
        session: SessionDep, caller: CallerDep, plan_id: ResourceId, rank: Rank, form: FormQuery = None
    ) -> Any:
        context = groupings.of_plan(session, caller.network_id, plan_id, rank)
        return _render(context, name, form, True, f"-{rank}")

    summary = SUMMARIES[name]
    key = name.replace("-", "_")
    pdf_responses = {200: _PDF, **_NO_GROUPING}
    router.get(
        f"/tenders/{{tender_id}}/{name}",
        response_model=model,
        responses=_NO_GROUPING,
        summary=summary,
        name=f"tender_{key}",
    )(tender_json)
    router.get(
        f"/tenders/{{tender_id}}/{name}.pdf",
        response_class=Response,
        responses=pdf_responses,
        summary=f"{summary}, as PDF",
        name=f"tender_{key}_pdf",
    )(tender_pdf)
    router.get(
        f"/plans/{{plan_id}}/groupings/{{rank}}/{name}",
        response_model=model,
        responses=_NO_GROUPING,
        summary=f"{summary}, of one grouping of a done plan",
        name=f"plan_{key}",
    )(plan_json)
    router.get(
        f"/plans/{{plan_id}}/groupings/{{rank}}/{name}.pdf",
        response_class=Response,
        responses=pdf_responses,
        summary=f"{summary}, of one grouping of a done plan, as PDF",
        name=f"plan_{key}_pdf",
    )(plan_pdf)


for _name in DOCUMENTS:
    _register(_name)


class FormSchemas(BaseModel):
    forms: dict[str, str]


@router.get("/forms/schemas", response_model=FormSchemas)
def list_form_schemas() -> FormSchemas:
    """The forms whose JSON has a published JSON Schema, and where to read it."""
    return FormSchemas(forms={name: f"/api/v1/forms/schemas/{name}" for name in FORM_MODELS})


@router.get("/forms/schemas/{name}", responses={404: {"model": Problem, "description": "no such form"}})
def read_form_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one form's JSON, as shipped in the package."""
    if name not in FORM_MODELS:
        raise NotFound(f"no form {name!r}: one of {', '.join(FORM_MODELS)}")
    return form_schema(name)
