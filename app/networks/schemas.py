"""What the API says about the caller's network and its keys (never a key itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import Paging
from app.networks.models import Role


class NetworkPublic(BaseModel):
    slug: str
    name: str
    role: Role
    key_prefix: str


class KeyPublic(BaseModel):
    """An API key as a coordinator sees it: its prefix tells it apart; the key itself is never shown."""

    id: int
    prefix: str = Field(description="the first characters of the key, to tell keys apart")
    role: Role
    state: Literal["active", "expired", "revoked"]
    created_at: datetime
    last_used_at: datetime | None = Field(default=None, description="last use, to the minute")
    expires_at: datetime | None = Field(default=None, description="refused (401) from this instant")
    revoked_at: datetime | None = None


class KeysPublic(Paging):
    items: list[KeyPublic]
