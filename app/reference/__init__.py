"""Reference vocabularies used by the service.

`cpv2008_fr_en.csv`: the Common Procurement Vocabulary (CPV 2008), 9,454 codes with French and English
labels, from Regulation (EC) No 213/2008 (EU public data; packaged by kaftanowicz/rcpv, MIT).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def cpv_codes() -> dict[str, str]:
    """CPV code with check digit (e.g. ``45442110-1``) -> French label."""
    text = resources.files(__package__).joinpath("cpv2008_fr_en.csv").read_text(encoding="utf-8")
    return {row["CODE"]: row["FR"] for row in csv.DictReader(text.splitlines())}


def is_cpv(code: str) -> bool:
    """True for a CPV 2008 code, written with its check digit (``45442110-1``) or without (``45442110``)."""
    codes = cpv_codes()
    if code in codes:
        return True
    return len(code) == 8 and any(c.startswith(code + "-") for c in _by_short().get(code, ()))


@cache
def _by_short() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for code in cpv_codes():
        out.setdefault(code.split("-")[0], []).append(code)
    return {k: tuple(v) for k, v in out.items()}


def cpv_full(short: str) -> str | None:
    """The code with its check digit for 8 digits (``45442110`` -> ``45442110-1``); None if unknown."""
    found = _by_short().get(short.split("-")[0])
    return found[0] if found else None
