"""Planifier a tender, follow the plan's progress, read its résultat, accept a grouping, re-plan."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.core.deps import ResourceId, SessionDep
from app.jobs.deps import JobsDep
from app.networks.service import Caller
from app.plans import service as plans
from app.plans.models import Plan as PlanRow
from app.structures import service as structures
from app.tenders import service as tenders
from app.web import result as res
from app.web import why
from app.web.auth import PageCaller, Refused, WebRoute, checked_form, writer
from app.web.format import pourcent, secondes
from app.web.labels import PLAN_STATUS, field_errors_fr
from app.web.plan_options import DEFAULTS, PRESETS, options_from_form
from app.web.render import render
from solver.problem import Options

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# The solver's stages, as `progress` names them (solver/README.md, "Stages").
STAGES = {
    "eligibility": "examen des structures à portée de chaque site",
    "model": "construction du modèle",
    "members": "choix des membres",
    "count": "preuve sur le nombre de membres",
    "branch": "preuve par choix des membres",
    "sets": "preuve groupement par groupement",
    "fixed": "meilleur partage entre les membres choisis",
    "all": "recherche sur l'objectif complet",
    "equalise": "équilibre des charges",
    "moves": "améliorations locales",
    "neighbourhoods": "équilibre des charges, secteur par secteur",
    "lagrange": "borne de l'appel d'offres entier",
    "rounded": "premier groupement tiré de la borne",
    "territory": "plans par territoire",
    "territories": "plans par territoire",
    "built": "assemblage des territoires",
    "grouping": "groupements suivants",
    "portfolio": "plan commun des appels d'offres",
}
# a portfolio's start, tender after tender (`sequence_2`, `sequence_2_members`, solver/portfolio.py)
SEQUENCE = re.compile(r"sequence_(\d+)(_members)?")


def stage_words(stage: object) -> str:
    """A stage of the solver's progress in words; `calcul` for one it does not name."""
    found = SEQUENCE.fullmatch(str(stage))
    if found is None:
        return STAGES.get(str(stage), "calcul")
    what = "choix des membres" if found.group(2) else "plan"
    return f"{what} du marché {found.group(1)}, après ceux d'avant"


def _plan_form(
    request: Request,
    session: Session,
    caller: Caller,
    tender_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    tender = tenders.read(session, caller.network_id, tender_id)
    directory = structures.list_structures(session, caller.network_id, limit=500)
    invited = values.get("invited")
    return render(
        request,
        "planifier.html",
        {
            "tender": tender,
            "values": values,
            "errors": errors,
            "presets": PRESETS,
            "structures": directory.items,
            "invited": invited if invited is not None else {str(s.id) for s in directory.items},
        },
        status_code=422 if errors else 200,
    )


@router.get("/marches/{tender_id}/planifier")
def plan_form(request: Request, session: SessionDep, caller: PageCaller, tender_id: ResourceId) -> Response:
    """The planning options, in plain words, with presets."""
    writer(caller)
    return _plan_form(request, session, caller, tender_id, dict(DEFAULTS), {})


@router.post("/marches/{tender_id}/planifier")
async def plan_tender(
    request: Request, session: SessionDep, caller: PageCaller, jobs: JobsDep, tender_id: ResourceId
) -> Response:
    """Queue a plan of the tender, as `POST /api/v1/tenders/{id}/plans` does, and follow it."""
    form = await checked_form(request)
    writer(caller)
    ids = [str(s.id) for s in structures.list_structures(session, caller.network_id, limit=500).items]
    body, values = options_from_form(form, ids)
    try:
        options = Options.model_validate(body)
    except ValidationError as exc:
        # A weight's error goes next to its field (`w_distance`), as the form names it.
        errors = {f.replace("weights.", "w_", 1): r for f, r in field_errors_fr(exc.errors()).items()}
        if "max_subcontracting_share" in errors and isinstance(body.get("max_subcontracting_share"), float):
            # The form asks for a percentage, the options hold a share: its bounds are said in percent.
            errors["max_subcontracting_share"] = "doit être un pourcentage, de 0 à 100"
        return _plan_form(request, session, caller, tender_id, values, errors)
    plan = plans.create(session, jobs, caller.network_id, tender_id, options)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


def _progress(plan: PlanRow) -> dict[str, Any]:
    return progress_state(plan.status, plan.options, plan.progress)


def progress_state(
    status: str, options: dict[str, Any] | None, progress: dict[str, Any] | None, default_limit: float = 30
) -> dict[str, Any]:
    """A job's progress (a plan's or a portfolio's), in words, for its waiting page."""
    limit = float((options or {}).get("time_limit_s") or default_limit)
    progress = progress or {}
    elapsed = float(progress.get("elapsed_s") or 0)
    gap = progress.get("gap")
    text = PLAN_STATUS.get(status, status)
    if status == "running":
        stage = stage_words(progress.get("stage"))
        text = f"Calcul en cours : {stage}, {secondes(elapsed)} sur {secondes(limit)} au plus."
        if gap is not None:
            # The gap of the stage being solved, against that stage's own bound: the certified gap
            # of the plan is given once it is done.
            text += f" Dans cette étape, au plus {pourcent(gap)} d'écart avec le meilleur possible."
    elif status == "queued":
        text = "En attente : le calcul commence dès qu'un calculateur est libre."
    return {
        "status": status,
        "final": status in ("done", "failed", "cancelled"),
        "percent": round(min(99.0, 100 * elapsed / limit)) if status == "running" else 0,
        "text": text,
    }


@router.get("/plans/{plan_id}/etat")
def plan_state(session: SessionDep, caller: PageCaller, plan_id: ResourceId) -> Response:
    """The plan's progress, for the page's small script (the page itself works without it)."""
    return JSONResponse(
        _progress(plans.get(session, caller.network_id, plan_id)), headers={"Cache-Control": "no-store"}
    )


def _downloads(request: Request, plan_id: int, tender_id: int, rank: int) -> list[dict[str, str]]:
    """The forms the API offers for a grouping, found among its routes (DC1, DC4 and any other)."""
    prefix = "/api/v1/plans/{plan_id}/groupings/{rank}/"
    names = {
        "dc1": "DC1 : lettre de candidature du groupement",
        "dc2": "DC2 : déclaration de chaque membre",
        "dc4": "DC4 : déclaration de sous-traitance",
        "annexe-repartition": "Annexe de l'acte d'engagement : répartition des prestations",
        "mise-a-disposition": "Mises à disposition : une fiche par membre qui reçoit du personnel",
    }
    found = []
    # The OpenAPI document lists every route (and is built once): new forms appear here by themselves.
    for path in request.app.openapi().get("paths", {}):
        if path.startswith(prefix) and path.endswith(".pdf") and "{" not in path[len(prefix) :]:
            stem = path[len(prefix) : -4]
            label = names.get(stem, f"{stem.replace('-', ' ').replace('_', ' ').capitalize()} (PDF)")
            found.append(
                {
                    "label": f"{label} (PDF)" if stem in names else label,
                    "href": path.format(plan_id=plan_id, rank=rank),
                    "stem": stem,
                }
            )
    found.sort(key=lambda d: d["stem"])
    found.append(
        {
            "label": "Avis et offre au format OCDS (JSON)",
            "href": f"/api/v1/tenders/{tender_id}/ocds",
            "stem": "ocds",
        }
    )
    found.append({"label": "Le plan complet (JSON)", "href": f"/api/v1/plans/{plan_id}", "stem": "plan"})
    return found


@router.get("/plans/{plan_id}")
def plan_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    plan_id: ResourceId,
    rang: int | None = None,
    a: int | None = None,
    b: int | None = None,
) -> Response:
    """Progress while the plan is solved; then its résultat."""
    plan = plans.get(session, caller.network_id, plan_id)
    tender = tenders.read(session, caller.network_id, plan.tender_id)
    context: dict[str, Any] = {"plan": plans.public(plan), "tender": tender, "state": _progress(plan)}
    result = plan.result if plan.status == "done" else None
    if not result:
        return render(request, "plan_attente.html", context)
    ctx = res.Context.of(plan.problem)
    views = [res.grouping_view(g) for g in result.get("groupings", [])]
    by_rank = {v.rank: v for v in views}
    context |= {
        "quality": res.quality(result),
        "groupings": views,
        "notes": why.other_notes(result.get("diagnostics", [])),
    }
    if not views:
        # No grouping: each structure's reason to be out and each site's are all there is to read.
        nobody = res.GroupingView(0, {"uncovered": list(ctx.sites)}, [])
        why_not = {
            "left_out": res.left_out(ctx, nobody, result.get("diagnostics", [])),
            "uncovered": res.uncovered(ctx, nobody, result.get("diagnostics", [])),
        }
        return render(request, "resultat.html", context | {"view": None} | why_not)
    view = by_rank.get(rang or plan.accepted_rank or 1, views[0])
    rows = res.member_rows(ctx, view)
    best = views[0]
    pick_a = by_rank.get(a or 1, views[0])
    pick_b = by_rank.get(b or 2, views[1] if len(views) > 1 else views[0])
    context |= {
        "view": view,
        "rows": rows,
        "map": res.result_map(ctx, view, rows, tender.reference),
        "staffing": res.flow_rows(ctx, view.data.get("staffing", [])),
        "subcontracts": res.flow_rows(ctx, view.data.get("subcontracts", [])),
        "coverage": res.coverage(ctx, view),
        "insertion": view.data.get("insertion"),
        "columns": [res.summary(ctx, v, best) for v in views],
        "compare": {
            "a": res.summary(ctx, pick_a, None),
            "b": res.summary(ctx, pick_b, None),
            "diff": res.differences(ctx, pick_a, pick_b),
        },
        "mandataire_reason": res.mandataire_reason(ctx, view, rows),
        "left_out": res.left_out(ctx, view, result.get("diagnostics", [])),
        "uncovered": res.uncovered(ctx, view, result.get("diagnostics", [])),
        "downloads": _downloads(request, plan_id, plan.tender_id, view.rank),
        "names": ctx.name,
    }
    return render(request, "resultat.html", context)


@router.post("/plans/{plan_id}/accepter")
async def accept(request: Request, session: SessionDep, caller: PageCaller, plan_id: ResourceId) -> Response:
    """Make a grouping the tender's accepted grouping."""
    form = await checked_form(request)
    writer(caller)
    rank = form.get("rang")
    if not isinstance(rank, str) or not rank.isdigit():
        raise Refused(422, "Choisissez le groupement à retenir.")
    plans.accept(session, caller.network_id, plan_id, int(rank))
    return RedirectResponse(f"/plans/{plan_id}?rang={int(rank)}&retenu=1", status_code=303)


@router.post("/plans/{plan_id}/retrait")
async def withdraw(
    request: Request, session: SessionDep, caller: PageCaller, jobs: JobsDep, plan_id: ResourceId
) -> Response:
    """Re-plan without the members who withdrew, keeping what can be kept of the accepted grouping."""
    form = await checked_form(request)
    writer(caller)
    withdrawn = [str(s) for s in form.getlist("retire")]
    if not withdrawn:
        raise Refused(422, "Cochez au moins un membre qui se retire.")
    new = plans.replan(session, jobs, caller.network_id, plan_id, withdrawn)
    return RedirectResponse(f"/plans/{new.id}", status_code=303)


@router.post("/plans/{plan_id}/annuler")
async def cancel(
    request: Request, session: SessionDep, caller: PageCaller, jobs: JobsDep, plan_id: ResourceId
) -> Response:
    """Stop a plan being solved."""
    await checked_form(request)
    writer(caller)
    plans.cancel(session, jobs, caller.network_id, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)
