"""Reading posted forms: French numbers (`1 234,5`), check boxes, lists, and lines of sites."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData, UploadFile

from app.core.french import read_number
from app.web.auth import Refused
from app.web.format import Unread


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def number(value: str) -> float | Unread | None:
    """A number as a person types it (`app.core.french.read_number`); text that is no number is
    `Unread`, which every number field refuses. Every number field of every form is read here."""
    try:
        return read_number(value)
    except ValueError:
        return Unread(value)


def number_field(form: FormData, name: str) -> float | Unread | None:
    return number(text(form, name))


def count(form: FormData, name: str, default: int, most: int) -> int:
    """A count of rows the form says it has, within 0 and `most` (a forged one is no number)."""
    value = number_field(form, name)
    if not isinstance(value, float) or not value.is_integer():
        return default
    return max(0, min(int(value), most))


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "oui", "1", "true")


def words(form: FormData, name: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,;|\n]", text(form, name)) if w.strip()]


def drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


async def uploaded(form: FormData, name: str, missing: str, limit: int) -> tuple[str, bytes]:
    """The file sent in the field `name`: its name and its bytes. Refused when none was chosen (400,
    `missing` says which file to choose) or when it is larger than `limit` bytes (413)."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Refused(400, missing)
    body = await upload.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, f"Le fichier dépasse la taille permise ({limit // 1_000_000} Mo).")
    return upload.filename, body
