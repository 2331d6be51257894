"""What the API says about the caller's network and key."""

from __future__ import annotations

from pydantic import BaseModel

from app.networks.models import Role


class NetworkPublic(BaseModel):
    slug: str
    name: str
    role: Role
    key_prefix: str
