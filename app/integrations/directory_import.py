"""Upserting a directory CSV into the network's structures, in one transaction, with a report per row.

A row is identified by (SIRET, kind). Fields the file does not carry keep their stored value, so an ASP
list re-imported after the coordinator entered turnover and capacities leaves them as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.cancel import NEVER, CancelCheck
from app.core.db import utcnow
from app.core.errors import Conflict, FieldError, field_errors
from app.integrations.directory_csv import CsvRow, parse_directory
from app.periods.schemas import AvailabilityIn
from app.structures.models import Structure, StructureCapacity
from app.structures.schemas import StructureCreate, check_siret

RowStatus = Literal["created", "updated", "unchanged", "rejected"]
_FIELDS = set(StructureCreate.model_fields)
# The structure's own columns (its capacities have their own table), in a fixed order.
_COLUMNS = sorted(_FIELDS - {"capacities"})
_COLUMN_SET = set(_COLUMNS)
_STRUCTURE: Table = Structure.__table__  # type: ignore[attr-defined]
_CAPACITY: Table = StructureCapacity.__table__  # type: ignore[attr-defined]
CHUNK = 5000  # parameter sets per statement, with a cancel check between two
CHECK_EVERY = 1000  # rows checked between two cancel checks


class ImportRow(BaseModel):
    line: int = Field(description="line of the file where the row starts (the header is line 1)")
    siret: str | None = None
    kind: str | None = None
    name: str | None = None
    status: RowStatus
    structure_id: int | None = None
    errors: list[FieldError] = Field(default_factory=list, description="why the row was rejected")


class ImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int
    columns: dict[str, str] = Field(description="structure field -> the column it was read from")
    ignored_columns: list[str]
    rows: list[ImportRow]


def _rejected(row: CsvRow, errors: list[FieldError]) -> ImportRow:
    return ImportRow(
        line=row.line,
        siret=row.fields.get("siret"),
        kind=row.fields.get("kind"),
        name=row.fields.get("name"),
        status="rejected",
        errors=errors,
    )


@dataclass
class _Batch:
    """What one import writes, in one transaction: new rows, changed rows, capacities to replace."""

    new: list[tuple[ImportRow, StructureCreate]] = field(default_factory=list)
    changed: list[tuple[int, StructureCreate, bool]] = field(default_factory=list)  # id, data, capacities


def _current(session: Session, network_id: int) -> dict[tuple[str, str], tuple[int, dict[str, Any]]]:
    """The network's structures by (SIRET, kind), as the fields of `StructureCreate`: two statements
    of plain columns whatever their number (no ORM object per structure)."""
    capacities: dict[int, dict[str, float]] = defaultdict(dict)
    for structure_id, trade, hours in session.execute(
        select(_CAPACITY.c.structure_id, _CAPACITY.c.trade, _CAPACITY.c.hours)
        .join(_STRUCTURE, _STRUCTURE.c.id == _CAPACITY.c.structure_id)
        .where(_STRUCTURE.c.network_id == network_id)
    ):
        capacities[structure_id][trade] = hours
    out = {}
    for structure_id, *values in session.execute(
        select(_STRUCTURE.c.id, *(_STRUCTURE.c[name] for name in _COLUMNS)).where(
            _STRUCTURE.c.network_id == network_id
        )
    ):
        data = dict(zip(_COLUMNS, values, strict=True))
        data["capacities"] = capacities.get(structure_id, {})
        if data["availability"] is not None:
            # Read as posted, so that it compares equal with the checked value of a row.
            data["availability"] = [AvailabilityIn.model_validate(a) for a in data["availability"]]
        out[(data["siret"], data["kind"])] = (structure_id, data)
    return out


def _plan_row(
    row: CsvRow, current: dict[tuple[str, str], tuple[int, dict[str, Any]]], batch: _Batch
) -> ImportRow:
    """Check a row and file it as new, changed or unchanged; raises ValidationError for a bad row."""
    key = (row.fields["siret"], row.fields["kind"])
    found = current.get(key)
    if found is None:
        data = StructureCreate.model_validate(row.defaults | row.fields)
        report = ImportRow(
            line=row.line, siret=data.siret, kind=data.kind.value, name=data.name, status="created"
        )
        batch.new.append((report, data))
        return report
    structure_id, before = found
    if all(before.get(name) == value for name, value in row.fields.items()):
        # The row repeats what is stored, which was checked when it was stored: nothing to check again.
        return ImportRow(
            line=row.line,
            siret=before["siret"],
            kind=before["kind"],
            name=before["name"],
            status="unchanged",
            structure_id=structure_id,
        )
    merged = StructureCreate.model_validate(before | row.fields)
    changed = {n for n in _FIELDS if getattr(merged, n) != before[n]}
    status: RowStatus = "unchanged"
    if changed:
        batch.changed.append((structure_id, merged, "capacities" in changed))
        status = "updated"
    return ImportRow(
        line=row.line,
        siret=merged.siret,
        kind=merged.kind.value,
        name=merged.name,
        status=status,
        structure_id=structure_id,
    )


def _write(session: Session, network_id: int, batch: _Batch, check: CancelCheck) -> None:
    """Every insert and update of the import in one transaction: all stored, or nothing (409).

    Core statements run with many parameter sets (executemany): no ORM object per row.
    """
    now = utcnow()
    try:
        if batch.new:
            values = [
                data.model_dump(include=_COLUMN_SET)
                | {"network_id": network_id, "created_at": now, "updated_at": now}
                for _, data in batch.new
            ]
            for start in range(0, len(values), CHUNK):
                check()
                session.execute(insert(_STRUCTURE), values[start : start + CHUNK])
            # The new ids, read in one statement rather than returned row by row.
            ids = {
                (siret, kind): structure_id
                for structure_id, siret, kind in session.execute(
                    select(_STRUCTURE.c.id, _STRUCTURE.c.siret, _STRUCTURE.c.kind).where(
                        _STRUCTURE.c.network_id == network_id
                    )
                )
            }
            for report, data in batch.new:
                report.structure_id = ids[(data.siret, data.kind.value)]
        if batch.changed:
            changes = [
                data.model_dump(include=_COLUMN_SET) | {"row_id": structure_id, "updated_at": now}
                for structure_id, data, _ in batch.changed
            ]
            statement = (
                update(_STRUCTURE)
                .where(_STRUCTURE.c.id == bindparam("row_id"))
                .values({name: bindparam(name) for name in [*_COLUMNS, "updated_at"]})
            )
            for start in range(0, len(changes), CHUNK):
                check()
                session.execute(statement, changes[start : start + CHUNK])
        replaced = [structure_id for structure_id, _, caps in batch.changed if caps]
        for start in range(0, len(replaced), CHUNK):
            chunk = replaced[start : start + CHUNK]
            session.execute(sql_delete(_CAPACITY).where(_CAPACITY.c.structure_id.in_(chunk)))
        capacities = [
            {"structure_id": report.structure_id, "trade": trade, "hours": hours}
            for report, data in batch.new
            for trade, hours in data.capacities.items()
        ] + [
            {"structure_id": structure_id, "trade": trade, "hours": hours}
            for structure_id, data, caps in batch.changed
            if caps
            for trade, hours in data.capacities.items()
        ]
        for start in range(0, len(capacities), CHUNK):
            check()
            session.execute(insert(_CAPACITY), capacities[start : start + CHUNK])
        check()
        session.commit()
    except IntegrityError:
        # Another request stored one of these structures meanwhile: nothing of this import is kept.
        session.rollback()
        raise Conflict(
            "structures of this file were stored by another request meanwhile: send it again"
        ) from None
    except BaseException:
        session.rollback()
        raise


def import_directory(
    session: Session,
    network_id: int,
    text: str,
    *,
    max_rows: int | None = None,
    check: CancelCheck = NEVER,
) -> ImportReport:
    """Upsert every good row; a bad row is reported and skipped, never stops the others.

    Rows are checked in memory against the network's structures read at once, then written in one
    transaction: the time grows linearly with the number of rows. A file of more than `max_rows` data
    rows is refused whole (`TooManyRows`) before anything is checked or stored; `check` is called
    between chunks of rows and stops the import (nothing stored) when it is cancelled.
    """
    directory = parse_directory(text, max_rows=max_rows, check=check)
    current = _current(session, network_id)
    seen: dict[tuple[str, str], int] = {}
    report: list[ImportRow] = []
    batch = _Batch()
    for n, row in enumerate(directory.rows):
        if n % CHECK_EVERY == 0:
            check()
        if row.errors:
            report.append(_rejected(row, [FieldError(field=f, reason=r) for f, r in row.errors]))
            continue
        try:
            row.fields["siret"] = check_siret(row.fields["siret"])
        except ValueError as exc:
            report.append(_rejected(row, [FieldError(field="siret", reason=str(exc))]))
            continue
        key = (row.fields["siret"], row.fields["kind"])
        if key in seen:
            reason = f"same SIRET and kind as line {seen[key]}: a structure appears once per file"
            report.append(_rejected(row, [FieldError(field="siret", reason=reason)]))
            continue
        seen[key] = row.line
        try:
            report.append(_plan_row(row, current, batch))
        except ValidationError as exc:
            report.append(_rejected(row, field_errors(exc.errors())))
    _write(session, network_id, batch, check)
    counts = {
        status: sum(r.status == status for r in report)
        for status in ("created", "updated", "unchanged", "rejected")
    }
    return ImportReport(**counts, columns=directory.columns, ignored_columns=directory.ignored, rows=report)
