"""Portefeuilles: several tenders of the network planned together (shared hours per month), started by
ticking tenders, followed while solving, then read tender by tender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.core.deps import ResourceId, SessionDep
from app.core.errors import Conflict, InvalidInput, ProblemError, TooManyRequests
from app.jobs.deps import JobsDep, LimitsDep
from app.networks.service import Caller
from app.plans.limits import PlanLimits
from app.portfolios import acceptance, service
from app.portfolios.models import Portfolio
from app.portfolios.schemas import PortfolioCreate
from app.structures import service as structures
from app.tenders import service as tenders
from app.web import forms
from app.web.auth import PageCaller, Refused, WebRoute, checked_form, writer
from app.web.format import Unread, nombre
from app.web.render import render
from app.web.views_plans import progress_state
from solver.periods import period_name

router = APIRouter(prefix="/portefeuilles", route_class=WebRoute, include_in_schema=False)
DEFAULT_TIME_LIMIT_S = 60
# A tender's plan within the portfolio, as the solver ends it (solver/plan.py, PlanStatus).
SOLVE_STATUS = {
    "optimal": "meilleur groupement prouvé",
    "feasible": "groupement valide",
    "timeout": "groupement valide, temps de calcul écoulé",
    "infeasible": "aucun groupement possible",
    "error": "erreur de calcul",
}


@dataclass
class TenderLine:
    """A tender of a done portfolio: its chosen grouping (the first) and the months it uses."""

    tender_id: int
    reference: str
    status: str
    mandataire: str
    members: list[tuple[str, str, float]]  # name, role (mandataire or co-traitant), hours
    hours: float
    months: list[tuple[str, float]]  # month in words, hours
    plan_id: int | None = None  # the plan holding its grouping, while accepted from the portfolio


def _month_name(period: str) -> str:
    return period_name(period)


def _page(
    request: Request,
    session: Session,
    caller: Caller,
    limits: PlanLimits,
    values: dict[str, Any],
    errors: list[str],
) -> Response:
    return render(
        request,
        "portefeuilles.html",
        {
            "portfolios": service.list_for_network(session, caller.network_id, limit=100).items,
            "tenders": tenders.list_tenders(session, caller.network_id, limit=200).items,
            "values": values,
            "errors": errors,
            "max_time": limits.max_time_limit_s,
            "max_tenders": limits.max_portfolio_tenders,
        },
        status_code=422 if errors else 200,
    )


def too_many(limits: PlanLimits) -> str:
    return f"Trop de marchés cochés : {nombre(limits.max_portfolio_tenders)} au plus (PORTFOLIO_MAX_TENDERS)."


def too_long(limits: PlanLimits) -> str:
    return (
        "Temps de calcul : un nombre de secondes supérieur à 0 et d'au plus "
        f"{nombre(limits.max_time_limit_s)} (PLAN_MAX_TIME_LIMIT_S)."
    )


@router.get("")
def portfolios_page(request: Request, session: SessionDep, caller: PageCaller, limits: LimitsDep) -> Response:
    """The network's portfolios, newest first, and (for a coordinator) the form to start one."""
    values = {"ticked": set(), "time_limit_s": DEFAULT_TIME_LIMIT_S}
    return _page(request, session, caller, limits, values, [])


def _errors_fr(exc: ProblemError, names: dict[int, str], limits: PlanLimits) -> list[str]:
    """The service's refusal in French: each draft site, each field over a limit."""
    if isinstance(exc, Conflict):
        lines = []
        for error in exc.errors or []:
            # `tenders.1.sites.09305X.hours`: the tender's position in the request, then the site.
            parts = error.field.split(".")
            site = ".".join(parts[3:-1])
            tender = names.get(int(parts[1]), parts[1])
            lines.append(f"Marché {tender}, site {site} : heures de travail inconnues.")
        return ["Un marché est un brouillon : donnez les heures de ces sites avant de planifier.", *lines]
    if isinstance(exc, TooManyRequests):
        return ["Le réseau a déjà trop de calculs en attente ou en cours : réessayez dans quelques minutes."]
    if isinstance(exc, InvalidInput):
        lines = []
        for error in exc.errors or []:
            if error.field == "tenders":
                lines.append(too_many(limits))
            elif error.field.endswith("time_limit_s"):
                lines.append(too_long(limits))
            else:
                lines.append("Un marché coché n'existe plus dans ce réseau : rechargez la page.")
        return lines or ["La demande n'a pas pu aboutir."]
    return ["La demande n'a pas pu aboutir."]


@router.post("")
async def start_portfolio(
    request: Request, session: SessionDep, caller: PageCaller, jobs: JobsDep, limits: LimitsDep
) -> Response:
    """Queue the ticked tenders as one portfolio, as `POST /api/v1/portfolios` does, and follow it."""
    form = await checked_form(request)
    writer(caller)
    ticked = [str(v) for v in form.getlist("marche") if str(v).isdigit()]
    time_limit = forms.number_field(form, "time_limit_s")
    values = {"ticked": set(ticked), "time_limit_s": "" if time_limit is None else time_limit}
    if not ticked:
        return _page(request, session, caller, limits, values, ["Cochez au moins un marché."])
    if isinstance(time_limit, Unread):
        unread = f"Temps de calcul : « {time_limit} » n'est pas un nombre de secondes (ex. 30 ou 90,5)."
        return _page(request, session, caller, limits, values, [unread])
    body: dict[str, Any] = {"tenders": [{"tender": int(t)} for t in ticked]}
    if time_limit is not None:
        body["options"] = {"time_limit_s": time_limit}
    try:
        create = PortfolioCreate.model_validate(body)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            if error["loc"][0] == "tenders":
                errors.append(too_many(limits))
            else:
                errors.append(too_long(limits))
        return _page(request, session, caller, limits, values, sorted(set(errors)))
    try:
        portfolio = service.create(session, jobs, caller.network_id, create, limits=limits)
    except (Conflict, InvalidInput, TooManyRequests) as exc:
        session.rollback()
        refs = {t.id: t.reference for t in tenders.list_tenders(session, caller.network_id, limit=200).items}
        names = {n: refs.get(int(t), t) for n, t in enumerate(ticked)}
        return _page(request, session, caller, limits, values, _errors_fr(exc, names, limits))
    return RedirectResponse(f"/portefeuilles/{portfolio.id}", status_code=303)


def _state(portfolio: Portfolio) -> dict[str, Any]:
    return progress_state(portfolio.status, portfolio.options, portfolio.progress, default_limit=60)


@router.get("/{portfolio_id}/etat")
def portfolio_state(session: SessionDep, caller: PageCaller, portfolio_id: ResourceId) -> Response:
    """The portfolio's progress, for the page's small script (the page itself works without it)."""
    return JSONResponse(
        _state(service.get(session, caller.network_id, portfolio_id)), headers={"Cache-Control": "no-store"}
    )


def _lines(session: Session, caller: Caller, portfolio: Portfolio) -> list[TenderLine]:
    public = service.public(portfolio)
    names = {
        str(s.id): s.name for s in structures.list_structures(session, caller.network_id, limit=500).items
    }
    held = acceptance.accepted_plans(session, portfolio)
    lines = []
    for plan in public.result.tenders if public.result else []:
        groupings = plan.plan.groupings
        first = groupings[0] if groupings else None
        members = (
            [(names.get(m.structure, m.structure), str(m.role), m.hours) for m in first.members]
            if first
            else []
        )
        lines.append(
            TenderLine(
                tender_id=plan.tender_id,
                reference=plan.reference,
                status=SOLVE_STATUS.get(plan.plan.status, plan.plan.status),
                mandataire=names.get(first.mandataire, first.mandataire) if first else "",
                members=members,
                hours=sum(h for _, _, h in members),
                months=[(_month_name(p.period), p.hours) for p in plan.periods if p.hours],
                plan_id=held.get(plan.tender_id),
            )
        )
    return lines


@router.get("/{portfolio_id}")
def portfolio_page(
    request: Request, session: SessionDep, caller: PageCaller, portfolio_id: ResourceId
) -> Response:
    """Progress while the portfolio is solved; then each tender's grouping and months."""
    portfolio = service.get(session, caller.network_id, portfolio_id)
    context: dict[str, Any] = {"portfolio": portfolio, "state": _state(portfolio), "lines": []}
    if portfolio.status == "done" and portfolio.result:
        context["lines"] = _lines(session, caller, portfolio)
        context["notes"] = [str(d.get("message")) for d in portfolio.result.get("diagnostics") or []]
    return render(request, "portefeuille.html", context)


@router.post("/{portfolio_id}/retenir")
async def accept_portfolio(
    request: Request, session: SessionDep, caller: PageCaller, portfolio_id: ResourceId
) -> Response:
    """Accept each tender's grouping, as `POST /api/v1/portfolios/{id}/accept` does: its hours are
    committed."""
    await checked_form(request)
    writer(caller)
    try:
        acceptance.accept(session, caller.network_id, portfolio_id)
    except Conflict as exc:
        session.rollback()
        portfolio = service.get(session, caller.network_id, portfolio_id)
        names = [str(t.get("reference") or t.get("tender")) for t in portfolio.tenders]
        missing = [names[int(e.field.split(".")[1])] for e in exc.errors or []]
        if missing:
            which = ", ".join(missing)
            raise Refused(
                409,
                f"Ces groupements ne peuvent pas être retenus : pas de groupement pour {which}, ou marché "
                "supprimé depuis. Rien n'a été retenu.",
            ) from None
        if portfolio.status != "done":
            raise Refused(409, "Seul un portefeuille terminé a des groupements à retenir.") from None
        # a tender being changed at this moment (its lock is held), or a problem stored by an older version
        raise Refused(
            409,
            "Ces groupements ne peuvent pas être retenus maintenant : un de leurs marchés est en cours de "
            "modification, ou ce portefeuille a été calculé par une version précédente (planifiez-le à "
            "nouveau). Rien n'a été retenu.",
        ) from None
    return RedirectResponse(f"/portefeuilles/{portfolio_id}?retenu=1", status_code=303)
