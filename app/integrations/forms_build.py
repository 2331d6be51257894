"""What the forms share: French numbers and dates, the rubric writer, amounts split to the cent."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.core.french import MONTHS, number
from app.integrations.forms_models import TO_COMPLETE, Check, Line, Rubric, Table


def fr_number(value: float, decimals: int = 2) -> str:
    """French notation: 1 234,50 (a space between thousands, a decimal comma)."""
    return number(value, decimals)


def fr_money(value: float) -> str:
    return fr_number(value, 2) + " €"


def fr_hours(value: float | None, unit: str = " h") -> str:
    if value is None:
        return TO_COMPLETE
    text = fr_number(value, 2).removesuffix(",00")
    return text + unit


def fr_percent(share: float) -> str:
    return fr_number(share * 100, 1) + " %"


def fr_date(value: date) -> str:
    """1er juillet 2026, 30 juin 2028."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def split_cents(total: float, weights: list[float]) -> list[float]:
    """`total` split in proportion to `weights`, in cents that add up exactly to `total` (largest
    remainders get the odd cents)."""
    cents = int((Decimal(str(total)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    weight = sum(weights)
    if weight <= 0:
        weights, weight = [1.0] * len(weights), float(len(weights))
    exact = [cents * w / weight for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    return [p / 100 for p in parts]


class Writer:
    """Rubrics written in the form's order; a value left unknown reads "à compléter" and is listed."""

    def __init__(self) -> None:
        self.rubrics: list[Rubric] = []
        self.missing: list[str] = []

    def rubric(self, letter: str, title: str) -> None:
        self.rubrics.append(Rubric(letter=letter, title=title))

    def line(self, label: str, value: str | None, path: str | None) -> None:
        if value is None or value == "":
            if path is not None:
                self.missing.append(path)
            self.rubrics[-1].lines.append(Line(label=label, value=TO_COMPLETE, missing=True))
        else:
            self.rubrics[-1].lines.append(Line(label=label, value=value))

    def subtitle(self, text: str) -> None:
        self.rubrics[-1].lines.append(Line(label="", value=text))

    def check(self, text: str, checked: bool = False) -> None:
        self.rubrics[-1].checks.append(Check(text=text, checked=checked))

    def note(self, text: str) -> None:
        self.rubrics[-1].notes.append(text)

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        self.rubrics[-1].tables.append(Table(headers=headers, rows=rows))
