"""Errors as RFC 9457 `application/problem+json`, for every failure the API can answer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("planner")

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """The body of every error answer (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error the API answers with a problem document; raised by services and dependencies."""

    status = 500

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class BadRequest(ProblemError):
    status = 400


class Unauthorized(ProblemError):
    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="planner"'})


class Forbidden(ProblemError):
    status = 403


class NotFound(ProblemError):
    status = 404


class Conflict(ProblemError):
    status = 409


class PreconditionFailed(ProblemError):
    status = 412


class TooManyRequests(ProblemError):
    """429 with `Retry-After`: the client (or its network) is over a stated limit for now."""

    status = 429

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})


class Unavailable(ProblemError):
    status = 503


class InvalidInput(ProblemError):
    """Input that is well-formed but wrong against stored data (422, with the fields named)."""

    status = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("the request has invalid fields", errors=errors)

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidInput:
        return cls(field_errors(exc.errors()))


def problem_response(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """One entry per bad field, its path dotted as the client wrote it (`lots.0.sites.3.hours`)."""
    out = []
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        reason = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "missing":
            reason = "required"
        out.append(FieldError(field=".".join(loc) or "body", reason=reason))
    return out


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(e["type"] == "json_invalid" for e in exc.errors()):
        error = exc.errors()[0]
        reason = f"{error.get('ctx', {}).get('error', 'invalid JSON')} at character {error['loc'][-1]}"
        return problem_response(
            request, 400, "the body is not valid JSON", errors=[FieldError(field="body", reason=reason)]
        )
    return problem_response(request, 422, "the request has invalid fields", errors=field_errors(exc.errors()))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    if exc.status_code == 404 and detail is None:
        detail = f"{request.url.path} is not a route of this API (see /docs)"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    errors = getattr(exc, "errors", None)  # a body over its route's limit names the body
    return problem_response(request, exc.status_code, detail, errors=errors, headers=dict(exc.headers or {}))


async def _on_data_error(request: Request, exc: Exception) -> JSONResponse:
    # The schemas bound every value; this is the backstop for a value the database still refuses.
    logger.warning("value refused by the database on %s: %s", request.url.path, exc)
    return problem_response(request, 422, "a value could not be stored by the database")


async def _on_operational(request: Request, exc: Exception) -> JSONResponse:
    # The embedded SQLite file takes one writer at a time; past the connection's wait the request is
    # refused as busy, to be sent again, and nothing of it is stored.
    if "database is locked" in str(exc):
        logger.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            request,
            503,
            "the database is busy with other writes; send the request again",
            headers={"Retry-After": "2"},
        )
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "an unexpected error occurred; it has been logged")


def document_problems(app: FastAPI) -> None:
    """Say in the OpenAPI document that error answers are `application/problem+json`.

    FastAPI files every declared response under `application/json`; the error ones are moved.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operations in build()["paths"].values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[0] in "45" and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    handlers: dict[Any, Any] = {
        ProblemError: _on_problem,
        RequestValidationError: _on_validation,
        StarletteHTTPException: _on_http,
        DataError: _on_data_error,
        OperationalError: _on_operational,
        Exception: _on_unexpected,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
