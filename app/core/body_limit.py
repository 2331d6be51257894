"""Request bodies bounded per route while they stream in: a body over its route's limit is a 413.

The bytes are counted as they arrive, so neither a false `Content-Length` nor a chunked body gets
more than the limit into memory; a `Content-Length` over the limit is refused before reading.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_JSON, FieldError


@dataclass(frozen=True)
class BodyLimit:
    """The largest body, in bytes, a route accepts: `path` is a regular expression of the whole path."""

    methods: frozenset[str]
    path: str
    max_bytes: int

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and re.fullmatch(self.path, path) is not None


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of this route: {max_bytes} bytes")
        self.errors = [FieldError(field="body", reason=f"larger than {max_bytes} bytes")]


class BodyLimitMiddleware:
    """Counts each request's body bytes and stops at the first route limit that matches (else `default`)."""

    def __init__(self, app: ASGIApp, *, limits: list[BodyLimit], default_bytes: int) -> None:
        self.app = app
        self.limits = limits
        self.default_bytes = default_bytes

    def limit_for(self, method: str, path: str) -> int:
        return next((lim.max_bytes for lim in self.limits if lim.matches(method, path)), self.default_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _refuse(scope, send, max_bytes)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # Raised inside the route's body read: answered as a problem document (413).
                    raise BodyTooLarge(max_bytes)
            return message

        await self.app(scope, counted, send)


async def _refuse(scope: Scope, send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request Entity Too Large",
            "status": 413,
            "detail": BodyTooLarge(max_bytes).detail,
            "instance": scope["path"],
            "errors": [error.model_dump() for error in BodyTooLarge(max_bytes).errors],
        }
    ).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    # The client may still be sending: tell it the connection will not read the rest.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
