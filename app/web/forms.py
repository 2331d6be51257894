"""Reading posted forms: French numbers (`1 234,5`), check boxes, lists, and lines of sites."""

from __future__ import annotations

import math
import re
from typing import Any

from starlette.datastructures import FormData, UploadFile

from app.web.auth import Refused
from app.web.format import Unread


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


# After the spaces are taken out: a sign, digits, a decimal comma or point and digits.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def number(value: str) -> float | Unread | None:
    """A number as a person types it, the French way or the plain way: `1 234,5`, `1234,5`, `1234.5`,
    `-0,5` or `−0,5`, the thousands apart by a space, a no-break or a narrow no-break space (any space
    is taken out). Nothing typed is None; anything else (`1.234,5`, `1,234.5`, `12 %`, `1e5`, `nan`, a
    number too large for a float) is `Unread`. Every number field of every form is read here."""
    cleaned = re.sub(r"\s", "", value).replace("\u2212", "-")  # \s: U+00A0, U+202F, U+2009 too
    if cleaned == "":
        return None
    if not _NUMBER.fullmatch(cleaned):
        return Unread(value)
    read = float(cleaned.replace(",", "."))
    return read if math.isfinite(read) else Unread(value)


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
