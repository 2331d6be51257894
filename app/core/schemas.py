"""What every API schema shares: strict input, and the page wrapper of list answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Every number of a request body stays within ±10^12 (hours, euros, kilometres, weights): a sum over
# the largest request (100 000 sites) then stays finite, in Python, SQLite and PostgreSQL alike.
MAX_MAGNITUDE = 1e12


NUL_CHARACTER = "must not contain NUL characters"
TOO_LARGE = "must be at most 1e12 in absolute value"


def _bad_value(value: Any) -> str | None:
    """Why a value (or one inside it) cannot be stored: a NUL character or a number too large."""
    # The usual scalars first, by exact type: every field of every site or row passes here.
    kind = type(value)
    if kind is str:
        return NUL_CHARACTER if "\x00" in value else None
    if kind is float or kind is int:
        return TOO_LARGE if abs(value) > MAX_MAGNITUDE else None
    if value is None or kind is bool:
        return None
    if isinstance(value, str):
        return NUL_CHARACTER if "\x00" in value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return TOO_LARGE if abs(value) > MAX_MAGNITUDE else None
    if isinstance(value, ApiInput):
        return None  # checked field by field when it was built
    if isinstance(value, BaseModel):
        return next(filter(None, (_bad_value(v) for v in value.__dict__.values())), None)
    if isinstance(value, list | tuple):
        return next(filter(None, (_bad_value(v) for v in value)), None)
    if isinstance(value, dict):
        return next(filter(None, (_bad_value(k) or _bad_value(v) for k, v in value.items())), None)
    return None


class ApiInput(BaseModel):
    """Base of request bodies: unknown fields, NaN/Infinity, NUL characters and numbers beyond
    ±10^12 are refused, each named."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text, and a finite number can still overflow a sum (1e308 ×
        # 2): refuse both here, named, rather than fail at the database or store an infinite total.
        reason = _bad_value(value)
        if reason is not None:
            raise ValueError(reason)
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
