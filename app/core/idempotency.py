"""`Idempotency-Key` on the POSTs that create: a retried request creates nothing twice.

The first request with a key reserves it (a row, unique per network and key) before creating anything,
then stores its answer. A request with the same key and the same body gets the stored answer back
(`Idempotent-Replayed: true`) and creates nothing; with another body it is refused (422); while the
first is still running, or if it was interrupted after creating, it is a 409. A request that fails
frees its key. Keys are kept 24 hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select

from app.core.db import UTCDateTime, begin_write, utcnow
from app.core.deps import SessionDep, WriterDep
from app.core.errors import Conflict, FieldError, InvalidInput, Problem

KEPT = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotentRequest(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("network_id", "key", name="uq_idempotency_key_network_key"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    key: str
    # Digest of the method, the path and the body: what "the same request" means.
    fingerprint: str
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    location: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=(
            "any unique text (e.g. a UUID) chosen by the client: a retry with the same key and body "
            "gets the first answer back and creates nothing (kept 24 hours)"
        ),
    ),
]

_IN_PROGRESS = "a request with the same Idempotency-Key still in progress"
_REUSED = "an Idempotency-Key already used for another request"


def responses(conflict: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route that takes `Idempotency-Key`, with the route's own 409 if any."""
    return {
        409: {
            "model": Problem,
            "description": f"{conflict}, or {_IN_PROGRESS}" if conflict else _IN_PROGRESS,
        },
        422: {"model": Problem, "description": f"invalid fields, each named in `errors`, or {_REUSED}"},
    }


class Idempotency:
    """A request dependency: `run(body, create)` creates at most once per key."""

    def __init__(
        self,
        request: Request,
        response: Response,
        session: SessionDep,
        caller: WriterDep,
        key: IdempotencyKeyHeader = None,
    ) -> None:
        self.request = request
        self.response = response
        self.session = session
        self.caller = caller
        self.key = key

    def run(self, body: BaseModel | None, create: Callable[[], BaseModel]) -> Any:
        if self.key is None:
            return create()
        fingerprint = self._fingerprint(body)
        stored = self._reserve(fingerprint)
        if stored is not None:
            return self._replay(stored, fingerprint)
        try:
            result = create()
        except BaseException:
            self.session.rollback()
            self._release()
            raise
        route = self.request.scope.get("route")
        # The answer was read back in a read transaction: the answer is stored in a write one.
        begin_write(self.session)
        self.session.execute(
            update(IdempotentRequest)
            .where(*self._this_key())
            .values(
                status_code=getattr(route, "status_code", None) or 200,
                response=result.model_dump(mode="json"),
                location=self.response.headers.get("location"),
            )
        )
        self.session.commit()
        return result

    def _fingerprint(self, body: BaseModel | None) -> str:
        text = body.model_dump_json() if body is not None else ""
        return hashlib.sha256(f"{self.request.method} {self.request.url.path}\n{text}".encode()).hexdigest()

    def _this_key(self) -> tuple[Any, ...]:
        return (
            col(IdempotentRequest.network_id) == self.caller.network_id,
            col(IdempotentRequest.key) == self.key,
        )

    def _reserve(self, fingerprint: str) -> IdempotentRequest | None:
        """Reserve the key and return None, or return the request that already holds it."""
        session = self.session
        session.commit()
        session.execute(
            delete(IdempotentRequest).where(
                col(IdempotentRequest.network_id) == self.caller.network_id,
                col(IdempotentRequest.created_at) < utcnow() - KEPT,
            )
        )
        assert self.key is not None
        session.add(
            IdempotentRequest(network_id=self.caller.network_id, key=self.key, fingerprint=fingerprint)
        )
        try:
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        stored = session.exec(select(IdempotentRequest).where(*self._this_key())).first()
        if stored is None:
            # The holder failed and freed the key in between: this request is the first after all.
            return self._reserve(fingerprint)
        return stored

    def _release(self) -> None:
        self.session.execute(delete(IdempotentRequest).where(*self._this_key()))
        self.session.commit()

    def _replay(self, stored: IdempotentRequest, fingerprint: str) -> Response:
        if stored.fingerprint != fingerprint:
            raise InvalidInput(
                [
                    FieldError(
                        field="Idempotency-Key",
                        reason="already used for another request (another route or body): choose a new key",
                    )
                ]
            )
        if stored.status_code is None or stored.response is None:
            raise Conflict(
                "a request with this Idempotency-Key is still in progress (or was interrupted): "
                "read the resource list before retrying"
            )
        headers = {REPLAYED_HEADER: "true"}
        if stored.location:
            headers["Location"] = stored.location
        return JSONResponse(stored.response, status_code=stored.status_code, headers=headers)


IdempotencyDep = Annotated[Idempotency, Depends(Idempotency)]
