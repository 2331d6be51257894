"""Request dependencies: the database session, the caller behind the API key, paging.

Transactions: the session is opened per request and closed after it; service functions commit their
own writes (and only they do), so a failed request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.core import sessions
from app.core.errors import Forbidden, TooManyRequests, Unauthorized
from app.core.ratelimit import FailedAuthLimiter
from app.core.schemas import MAX_INT, MAX_LIMIT
from app.networks.service import Along, Caller, authenticate, authenticate_along, authenticate_digest

T = TypeVar("T")


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="an API key created with `planner keys create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def session_caller(request: Request, session: Session) -> Caller | None:
    """The caller of a signed-in browser (the web app's session cookie), or None."""
    data = sessions.read(request.app.state.session_secret, request.cookies.get(sessions.COOKIE))
    return None if data is None else authenticate_digest(session, data.key_digest)


def get_caller(request: Request, session: SessionDep, credentials: BearerDep) -> Caller:
    if credentials is None:
        # A signed-in browser may read (downloads, progress) with its cookie; writes always need the
        # key itself, so a forged cross-site request cannot change anything through the API.
        caller = session_caller(request, session) if request.method in ("GET", "HEAD") else None
        if caller is None:
            raise Unauthorized("an API key is required: Authorization: Bearer <key>")
        return caller
    key = credentials.credentials
    return _by_key(request, lambda: authenticate(session, key))


def get_caller_along(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None, along: Along
) -> tuple[Caller, tuple[Any, ...] | None]:
    """`get_caller`, with the rows `along` joins to an API key fetched in the same statement; None in
    their place when the caller is a signed-in browser (nothing was fetched: read them apart)."""
    if credentials is None:
        return get_caller(request, session, credentials), None
    key = credentials.credentials
    return _by_key(request, lambda: authenticate_along(session, key, along))


def _by_key(request: Request, find: Callable[[], T | None]) -> T:
    """What `find` finds with the request's API key, once this client may try keys again (429 while
    it may not); a key that finds nothing is refused (401) and counted against the client."""
    wait = auth_retry_after(request)
    if wait is not None:
        raise TooManyRequests(
            f"too many refused API keys from this client: try again in {wait} s", retry_after_s=wait
        )
    found = find()
    if found is None:
        auth_failed(request)
        raise Unauthorized("unknown, revoked or expired API key")
    return found


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def auth_retry_after(request: Request) -> int | None:
    """Seconds this client must wait after too many refused keys (API or sign-in page), or None."""
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    return limiter.retry_after(_client(request))


def auth_failed(request: Request) -> None:
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    limiter.failed(_client(request))


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_writer(caller: CallerDep) -> Caller:
    if not caller.role.can_write:
        raise Forbidden(f"a {caller.role.value} key can read but not write; a coordinator key is needed")
    return caller


WriterDep = Annotated[Caller, Depends(get_writer)]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="items to skip")]
ResourceId = Annotated[int, Path(ge=1, le=MAX_INT, description="the resource's id")]
