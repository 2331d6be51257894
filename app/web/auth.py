"""Who is signed in, what they may do, and the refusal of cross-site form posts.

A page needs a session (else it sends to the sign-in page); a form post needs, in addition, the
session's CSRF token and a same-origin request (`Sec-Fetch-Site`, or `Origin` for older browsers);
writing needs a coordinator key, as in the API.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from app.core import sessions
from app.core.deps import SessionDep
from app.core.errors import ProblemError
from app.networks.service import Caller, authenticate_digest
from app.web.render import render


class SignInRequired(Exception):
    """No valid session: the page sends to the sign-in page."""


class Refused(Exception):
    """A refused request, shown as a page in French."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_TITLES = {
    400: "Requête invalide",
    403: "Action refusée",
    404: "Page introuvable",
    409: "Action impossible pour l'instant",
    413: "Fichier trop volumineux",
    422: "Données invalides",
}
_MESSAGES = {
    404: "Cette page n'existe pas, ou elle appartient à un autre réseau.",
    409: "L'état des données ne permet pas cette action.",
}


class WebRoute(APIRoute):
    """Routes of the web app: errors become pages in French rather than problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/connexion?suite={quote(target)}", status_code=303)
            except Refused as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError:
                # A malformed id or query in an address: no such page.
                return error_page(request, 404, _MESSAGES[404])
            except ProblemError as exc:
                message = _MESSAGES.get(exc.status, "La demande n'a pas pu aboutir.")
                return error_page(request, exc.status, message)

        return route


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    title = _TITLES.get(status, "Erreur")
    return render(request, "erreur.html", {"title": title, "message": message}, status_code=status)


def session_of(request: Request) -> sessions.SessionData | None:
    return sessions.read(request.app.state.session_secret, request.cookies.get(sessions.COOKIE))


def page_caller(request: Request, session: SessionDep) -> Caller:
    data = session_of(request)
    caller = None if data is None else authenticate_digest(session, data.key_digest)
    if caller is None or data is None:
        raise SignInRequired()
    request.state.caller = caller
    request.state.csrf = sessions.csrf_token(request.app.state.session_secret, data)
    return caller


PageCaller = Annotated[Caller, Depends(page_caller)]


def check_origin(request: Request) -> None:
    """Refuse a form posted from another site (the browser says so in Sec-Fetch-Site or Origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise Refused(403, "Formulaire refusé : il a été envoyé depuis un autre site.")
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host", ""):
            raise Refused(403, "Formulaire refusé : il a été envoyé depuis un autre site.")
    elif origin == "null":
        raise Refused(403, "Formulaire refusé : son origine est inconnue.")


async def checked_form(request: Request) -> FormData:
    """The posted form, once its origin and CSRF token are checked."""
    check_origin(request)
    form = await request.form()
    expected = getattr(request.state, "csrf", None)
    token = form.get("csrf")
    if expected is None or not isinstance(token, str) or not hmac.compare_digest(token, expected):
        raise Refused(403, "Formulaire refusé : jeton de sécurité absent ou périmé. Rechargez la page.")
    return form


def writer(caller: Caller) -> None:
    if not caller.role.can_write:
        raise Refused(
            403, "Votre clé permet de consulter, pas de modifier : une clé de coordination est nécessaire."
        )
