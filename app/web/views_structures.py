"""Annuaire: the network's structures, filtered; create, edit, and import a CSV with its row report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.commitments import service as commitments
from app.core.cancel import CancelCheck, run_cancellable
from app.core.deps import ResourceId, SessionDep
from app.core.errors import Conflict, InvalidInput
from app.integrations import directory_csv
from app.integrations.directory_import import ImportReport, import_directory
from app.integrations.routes import MAX_CSV_BYTES
from app.networks.service import Caller
from app.structures import service
from app.structures.schemas import StructureCreate, StructureUpdate
from app.web import availability_form, forms
from app.web.auth import PageCaller, Refused, WebRoute, checked_form, writer
from app.web.format import nombre
from app.web.labels import KINDS, field_errors_fr, reason_fr
from app.web.render import render
from solver.reference import sector_slugs

router = APIRouter(prefix="/annuaire", route_class=WebRoute, include_in_schema=False)
PAGE = 50
CAPACITY_ROWS = 3
# A structure has at most 200 capacities (StructureCreate), and the form one blank row more.
MAX_CAPACITY_ROWS = 201


def _filters(kind: str | None, trade: str | None, territory: str | None) -> dict[str, str | None]:
    return {
        "kind": kind if kind in KINDS else None,
        "trade": trade if trade in sector_slugs() else None,
        "territory": (territory or "").strip()[:100] or None,
    }


@router.get("")
def directory(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    kind: str | None = None,
    trade: str | None = None,
    territory: str | None = None,
    page: int = 1,
) -> Response:
    """The structures of the network, with filters by kind, trade and territory."""
    filters = _filters(kind, trade, territory)
    page = max(1, min(page, 10_000))
    found = service.list_structures(
        session, caller.network_id, **filters, limit=PAGE, offset=(page - 1) * PAGE
    )
    return render(
        request,
        "annuaire.html",
        {"found": found, "filters": filters, "page": page, "pages": max(1, -(-found.total // PAGE))},
    )


def _structure_data(form: FormData) -> tuple[dict[str, Any], dict[str, str], list[dict[str, str]] | None]:
    """The structure as the API takes it, the form errors found before validation, and the rows of
    hours per period as typed (None when the form has none)."""
    capacities: dict[str, Any] = {}
    for i in range(forms.count(form, "cap_rows", CAPACITY_ROWS, MAX_CAPACITY_ROWS)):
        trade = forms.text(form, f"cap_trade_{i}")
        hours = forms.number_field(form, f"cap_hours_{i}")
        if trade and hours is not None:
            capacities[trade] = hours
    values: dict[str, Any] = {
        "siret": forms.text(form, "siret"),
        "name": forms.text(form, "name"),
        "kind": forms.text(form, "kind"),
        "labels": forms.words(form, "labels"),
        "address": forms.optional(form, "address"),
        "postcode": forms.optional(form, "postcode"),
        "commune_insee": forms.optional(form, "commune_insee"),
        "lat": forms.number_field(form, "lat"),
        "lon": forms.number_field(form, "lon"),
        "territory": forms.optional(form, "territory"),
        "annual_turnover_eur": forms.number_field(form, "annual_turnover_eur") or 0,
        "insertion_fte": forms.number_field(form, "insertion_fte"),
        "can_lead": forms.checked(form, "can_lead"),
        "max_distance_km": forms.number_field(form, "max_distance_km"),
        "capacities": capacities,
    }
    errors: dict[str, str] = {}
    rows = None
    if "av_rows" in form:
        # The form shows the hours per month or week: what it posts replaces them, no row removes them.
        rows = availability_form.rows_from_form(form)
        values["availability"] = availability_form.availability_data(rows, errors)
    return values, errors, rows


def _form_page(
    request: Request,
    session: Session,
    caller: Caller,
    values: dict[str, Any],
    errors: dict[str, str],
    structure_id: int | None,
    status: int,
    rows: list[dict[str, str]] | None = None,
) -> Response:
    capacities = list((values.get("capacities") or {}).items())
    capacities += [("", None)] * (CAPACITY_ROWS if not capacities else 1)
    if rows is None:
        rows = availability_form.rows_of(values.get("availability"))
    held = None if structure_id is None else commitments.held_by(session, caller.network_id, structure_id)
    return render(
        request,
        "structure.html",
        {
            "values": values,
            "errors": errors,
            "structure_id": structure_id,
            "capacities": capacities,
            "availability_rows": availability_form.with_blanks(rows),
            "commitments": held,
        },
        status_code=status,
    )


def _conflict_errors(exc: Conflict | InvalidInput) -> dict[str, str]:
    if isinstance(exc, Conflict):
        return {"siret": "une structure de même SIRET et de même type existe déjà dans le réseau"}
    return {e.field: reason_fr("value_error", e.reason) for e in exc.errors or []}


@router.get("/nouvelle")
def new_structure(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """An empty structure form."""
    writer(caller)
    return _form_page(request, session, caller, {"can_lead": False, "capacities": {}}, {}, None, 200)


@router.post("/nouvelle")
async def create_structure(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Add a structure; the form comes back with the fields to correct, in French."""
    form = await checked_form(request)
    writer(caller)
    values, errors, rows = _structure_data(form)
    try:
        body = StructureCreate.model_validate(values)
        if errors:
            return _form_page(request, session, caller, values, errors, None, 422, rows)
        created = service.create(session, caller.network_id, body)
    except ValidationError as exc:
        fields = errors | field_errors_fr(exc.errors())
        return _form_page(request, session, caller, values, fields, None, 422, rows)
    except (Conflict, InvalidInput) as exc:
        return _form_page(request, session, caller, values, _conflict_errors(exc), None, 422, rows)
    return RedirectResponse(f"/annuaire/{created.id}?enregistre=1", status_code=303)


@router.post("/import")
async def import_csv(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Create or update structures from a CSV file, and show what became of each row."""
    form = await checked_form(request)
    writer(caller)
    filename, body = await forms.uploaded(
        form, "fichier", "Choisissez un fichier CSV à importer.", MAX_CSV_BYTES
    )
    max_rows = request.app.state.settings.max_csv_rows

    def work(check: CancelCheck) -> ImportReport:
        try:
            text = directory_csv.decode(body)
            return import_directory(session, caller.network_id, text, max_rows=max_rows, check=check)
        except directory_csv.TooManyRows as exc:
            raise Refused(
                413,
                f"Le fichier compte plus de {nombre(exc.limit)} lignes, la limite d'un import"
                " (MAX_CSV_ROWS) : découpez-le en plusieurs fichiers. Rien n'a été enregistré.",
            ) from None
        except directory_csv.CsvFormatError as exc:
            raise Refused(422, f"Fichier illisible : {reason_fr('value_error', exc.reason)}.") from None

    report = await run_cancellable(request, work)
    return render(request, "import.html", {"report": report, "filename": filename})


@router.get("/{structure_id}")
def edit_structure_page(
    request: Request, session: SessionDep, caller: PageCaller, structure_id: ResourceId
) -> Response:
    """One structure, in a form a coordinator can change."""
    structure = service.read(session, caller.network_id, structure_id)
    return _form_page(request, session, caller, structure.model_dump(mode="json"), {}, structure_id, 200)


@router.post("/{structure_id}")
async def edit_structure(
    request: Request, session: SessionDep, caller: PageCaller, structure_id: ResourceId
) -> Response:
    """Save the changes of a structure."""
    form = await checked_form(request)
    writer(caller)
    service.read(session, caller.network_id, structure_id)
    values, errors, rows = _structure_data(form)
    try:
        StructureCreate.model_validate(values)  # every field checked as on creation, named in French
        if errors:
            return _form_page(request, session, caller, values, errors, structure_id, 422, rows)
        service.update(session, caller.network_id, structure_id, StructureUpdate.model_validate(values))
    except ValidationError as exc:
        fields = errors | field_errors_fr(exc.errors())
        return _form_page(request, session, caller, values, fields, structure_id, 422, rows)
    except (Conflict, InvalidInput) as exc:
        return _form_page(request, session, caller, values, _conflict_errors(exc), structure_id, 422, rows)
    return RedirectResponse(f"/annuaire/{structure_id}?enregistre=1", status_code=303)


@router.post("/{structure_id}/supprimer")
async def delete_structure(
    request: Request, session: SessionDep, caller: PageCaller, structure_id: ResourceId
) -> Response:
    """Remove a structure from the network."""
    await checked_form(request)
    writer(caller)
    service.delete(session, caller.network_id, structure_id)
    return RedirectResponse("/annuaire", status_code=303)
