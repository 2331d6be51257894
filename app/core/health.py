"""`/api/v1/health`: liveness and database reachability, without authentication (for health checks)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.deps import SessionDep
from app.core.errors import Unavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    """Answer ok when the service and its database are up."""
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except SQLAlchemyError:
        raise Unavailable("the database does not answer") from None
    return Health(status="ok", database=session.get_bind().dialect.name)
