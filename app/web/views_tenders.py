"""Marchés: the list, a tender with its lots, sites and plans (and its sites on the map), create, edit,
and the import of an OCDS release package."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.core.cancel import CancelCheck, run_cancellable
from app.core.deps import ResourceId, SessionDep
from app.core.errors import Conflict, InvalidInput
from app.integrations.ocds import OcdsImportError
from app.integrations.ocds.importer import read_package
from app.networks.service import Caller
from app.plans import service as plans
from app.tenders import service
from app.tenders.schemas import TenderCreate, TenderPublic, TenderUpdate
from app.web import forms, svgmap
from app.web.auth import PageCaller, Refused, WebRoute, checked_form, writer
from app.web.labels import field_errors_fr, reason_fr
from app.web.render import render
from app.web.tender_form import (
    BLANK_LOTS,
    LOT_EXTRAS,
    form_values,
    keep_windows,
    sites_to_text,
    tender_data,
    window_rows,
)
from solver.reference import sector_slugs

router = APIRouter(prefix="/marches", route_class=WebRoute, include_in_schema=False)


@router.get("")
def tender_list(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """The network's tenders, and the OCDS import."""
    page = service.list_tenders(session, caller.network_id, limit=200)
    return render(request, "marches.html", {"tenders": page.items, "total": page.total})


def _form_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], tender_id: int | None, status: int
) -> Response:
    lots = list(values.get("lots") or [])
    lots += [{}] * BLANK_LOTS
    lots = [lot | {"window_rows": window_rows(lot.get("windows"))} for lot in lots]
    return render(
        request,
        "marche_form.html",
        {"values": values, "errors": errors, "tender_id": tender_id, "lots": lots, "lot_extras": LOT_EXTRAS},
        status_code=status,
    )


def _service_errors(exc: Conflict | InvalidInput) -> dict[str, str]:
    if isinstance(exc, Conflict):
        return {"reference": "un marché du réseau a déjà cette référence"}
    return {e.field: reason_fr("value_error", e.reason) for e in exc.errors or []}


def _posted_values(data: dict[str, Any]) -> dict[str, Any]:
    lots = [lot | {"sites_text": sites_to_text(lot.get("sites", []))} for lot in data["lots"]]
    return data | {"cpv_codes": ", ".join(data["cpv_codes"]), "lots": lots, "deadline": None}


@router.get("/nouveau")
def new_tender(request: Request, caller: PageCaller) -> Response:
    """An empty tender form."""
    writer(caller)
    return _form_page(request, {"kind": "works", "lots": []}, {}, None, 200)


@router.post("/nouveau")
async def create_tender(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Record a tender with its lots and sites; the form comes back with the fields to correct."""
    form = await checked_form(request)
    writer(caller)
    data, errors = tender_data(form)
    values = _posted_values(data) | {"deadline": form.get("deadline")}
    try:
        body = TenderCreate.model_validate(data)
        if errors:
            return _form_page(request, values, errors, None, 422)
        created = service.create(session, caller.network_id, body)
    except ValidationError as exc:
        return _form_page(request, values, errors | field_errors_fr(exc.errors()), None, 422)
    except (Conflict, InvalidInput) as exc:
        return _form_page(request, values, _service_errors(exc), None, 422)
    return RedirectResponse(f"/marches/{created.id}?enregistre=1", status_code=303)


@router.post("/import-ocds")
async def import_ocds(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Record the tender of an OCDS release package (an avis from a buyer's platform)."""
    form = await checked_form(request)
    writer(caller)
    limit = request.app.state.settings.max_ocds_body_bytes
    _, raw = await forms.uploaded(form, "fichier", "Choisissez un fichier OCDS (JSON) à importer.", limit)
    trade = str(form.get("default_trade") or "") or None
    if trade is not None and trade not in sector_slugs():
        raise Refused(422, "Métier inconnu : choisissez un secteur du Marché de l'inclusion.")

    def work(check: CancelCheck) -> TenderPublic:
        package = json.loads(raw)
        if not isinstance(package, dict):
            raise ValueError("not an object")
        read = read_package(package, default_trade=trade, check=check)
        # As the API does: a site whose workload is not in hours comes as a draft, to complete.
        data = TenderCreate.model_validate(read.tender, context={"draft": True})
        return service.create(session, caller.network_id, data, check=check)

    try:
        # Off the event loop, stopped if the browser leaves: a package may have 100 000 items.
        created = await run_cancellable(request, work)
    except ValueError as exc:
        if isinstance(exc, OcdsImportError):
            problems = [f"{e.field} : {reason_fr('value_error', e.message)}" for e in exc.errors]
        elif isinstance(exc, ValidationError):
            problems = [f"{f} : {r}" for f, r in field_errors_fr(exc.errors()).items()]
        else:
            problems = [
                "fichier JSON illisible : un paquet de publications OCDS (release package) est attendu"
            ]
        return render(
            request, "marches.html", _list_context(session, caller) | {"ocds_errors": problems}, 422
        )
    except Conflict:
        problems = ["un marché du réseau a déjà la référence de cet avis"]
        return render(
            request, "marches.html", _list_context(session, caller) | {"ocds_errors": problems}, 409
        )
    return RedirectResponse(f"/marches/{created.id}?enregistre=1", status_code=303)


def _list_context(session: Session, caller: Caller) -> dict[str, Any]:
    page = service.list_tenders(session, caller.network_id, limit=200)
    return {"tenders": page.items, "total": page.total}


@router.get("/{tender_id}")
def tender_page(request: Request, session: SessionDep, caller: PageCaller, tender_id: ResourceId) -> Response:
    """A tender: its lots and sites, on the map; its plans."""
    tender = service.read(session, caller.network_id, tender_id)
    points = [
        svgmap.Point(site.id, f"{site.name or site.id} ({lot.id})", site.lat, site.lon, svgmap.colour_of(i))
        for i, lot in enumerate(tender.lots)
        for site in lot.sites
    ]
    site_count = len(points)
    drawing = svgmap.draw(
        points,
        [],
        f"Sites du marché {tender.reference}",
        f"{site_count} site{'s' if site_count > 1 else ''} sur la carte des communes de Seine-Saint-Denis, "
        "une couleur par lot.",
    )
    plan_list = plans.list_for_tender(session, caller.network_id, tender_id, limit=50)
    return render(
        request,
        "marche.html",
        {"tender": tender, "map": drawing, "plans": plan_list.items, "colour_of": svgmap.colour_of},
    )


@router.get("/{tender_id}/modifier")
def edit_tender_page(
    request: Request, session: SessionDep, caller: PageCaller, tender_id: ResourceId
) -> Response:
    """The tender in its form."""
    writer(caller)
    tender = service.read(session, caller.network_id, tender_id)
    return _form_page(request, form_values(tender.model_dump(mode="json")), {}, tender_id, 200)


@router.post("/{tender_id}/modifier")
async def edit_tender(
    request: Request, session: SessionDep, caller: PageCaller, tender_id: ResourceId
) -> Response:
    """Save the tender's changes; its lots and sites are replaced by those of the form."""
    form = await checked_form(request)
    writer(caller)
    stored = service.read(session, caller.network_id, tender_id)
    data, errors = tender_data(form)
    data = keep_windows(data, stored.model_dump(mode="json", exclude_none=True))
    values = _posted_values(data) | {"deadline": form.get("deadline")}
    try:
        TenderCreate.model_validate(data)
        if errors:
            return _form_page(request, values, errors, tender_id, 422)
        service.update(session, caller.network_id, tender_id, TenderUpdate.model_validate(data))
    except ValidationError as exc:
        return _form_page(request, values, errors | field_errors_fr(exc.errors()), tender_id, 422)
    except (Conflict, InvalidInput) as exc:
        return _form_page(request, values, _service_errors(exc), tender_id, 422)
    return RedirectResponse(f"/marches/{tender_id}?enregistre=1", status_code=303)
