"""What every API schema shares: strict input, and the page wrapper of list answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class ApiInput(BaseModel):
    """Base of request bodies: unknown fields, NaN/Infinity and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text; refuse it here, named, rather than fail at the database.
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


class Identified(BaseModel):
    """The id the service gives a record; listed first in answers (`class XPublic(XBase, Identified)`)."""

    id: int


class Paging(BaseModel):
    total: int = Field(description="number of items matching the filters, over all pages")
    limit: int
    offset: int


MAX_LIMIT = 500
# Bounds that fit a 64-bit integer column, so an absurd number is a 422 rather than a database error.
MAX_INT = 2**63 - 1
