"""Sign-in, sign-out and the tableau de bord."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from app.core import sessions
from app.core.deps import SessionDep, auth_failed, auth_retry_after
from app.core.security import token_digest
from app.networks.service import authenticate
from app.plans import service as plans
from app.structures import service as structures
from app.tenders import service as tenders
from app.web.auth import PageCaller, WebRoute, check_origin, checked_form, session_of
from app.web.render import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _next(target: str | None) -> str:
    # Only a path of this site: never an absolute or protocol-relative address.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/connexion")
def sign_in_page(request: Request, suite: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "connexion.html", {"suite": _next(suite), "signed_in": session_of(request)})


@router.post("/connexion")
async def sign_in(request: Request, session: SessionDep) -> Response:
    """Exchange a network's API key for a session cookie."""
    check_origin(request)
    form = await request.form()
    key = str(form.get("cle") or "").strip()
    target = _next(str(form.get("suite") or "/"))
    wait = auth_retry_after(request)
    if wait is not None:
        error = f"Trop de clés refusées depuis ce poste : réessayez dans {wait} s."
        page = render(request, "connexion.html", {"suite": target, "error": error}, status_code=429)
        page.headers["Retry-After"] = str(wait)
        return page
    caller = authenticate(session, key) if key else None
    if caller is None:
        if key:
            auth_failed(request)
        error = "Clé inconnue : vérifiez-la ou demandez-en une." if key else "Saisissez votre clé d'accès."
        return render(request, "connexion.html", {"suite": target, "error": error}, status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        sessions.issue(request.app.state.session_secret, token_digest(key)),
        max_age=sessions.MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/deconnexion")
async def sign_out(request: Request, caller: PageCaller) -> Response:
    """End the session."""
    await checked_form(request)
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/")
def dashboard(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Tableau de bord: the network's tenders and their latest plans."""
    page = tenders.list_tenders(session, caller.network_id, limit=200)
    rows = []
    for tender in page.items:
        latest = plans.list_for_tender(session, caller.network_id, tender.id, limit=1).items
        rows.append({"tender": tender, "plan": latest[0] if latest else None})
    directory = structures.list_structures(session, caller.network_id, limit=1)
    return render(
        request,
        "tableau.html",
        {"rows": rows, "tender_total": page.total, "structure_total": directory.total},
    )
