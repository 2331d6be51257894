"""Request dependencies: the database session, the caller behind the API key, paging.

Transactions: the session is opened per request and closed after it; service functions commit their
own writes (and only they do), so a failed request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.core.errors import Forbidden, TooManyRequests, Unauthorized
from app.core.ratelimit import FailedAuthLimiter
from app.core.schemas import MAX_INT, MAX_LIMIT
from app.networks.service import Caller, authenticate


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="an API key created with `planner keys create`")


def get_caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(client)
    if wait is not None:
        raise TooManyRequests(
            f"too many refused API keys from this client: try again in {wait} s", retry_after_s=wait
        )
    caller = authenticate(session, credentials.credentials)
    if caller is None:
        limiter.failed(client)
        raise Unauthorized("unknown, revoked or expired API key")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_writer(caller: CallerDep) -> Caller:
    if not caller.role.can_write:
        raise Forbidden(f"a {caller.role.value} key can read but not write; a coordinator key is needed")
    return caller


WriterDep = Annotated[Caller, Depends(get_writer)]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="items to skip")]
ResourceId = Annotated[int, Path(ge=1, le=MAX_INT, description="the resource's id")]
