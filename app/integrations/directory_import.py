"""Upserting a directory CSV into the network's structures, in one transaction, with a report per row.

A row is identified by (SIRET, kind). Fields the file does not carry keep their stored value, so an ASP
list re-imported after the coordinator entered turnover and capacities leaves them as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.core.errors import Conflict, FieldError, field_errors
from app.integrations.directory_csv import CsvRow, parse_directory
from app.periods.schemas import AvailabilityIn
from app.structures.models import Structure, StructureCapacity
from app.structures.schemas import StructureCreate, check_siret
from solver.problem import StructureKind

RowStatus = Literal["created", "updated", "unchanged", "rejected"]
_FIELDS = set(StructureCreate.model_fields)
CHUNK = 1000  # rows per statement: PostgreSQL and SQLite cap the parameters of one statement


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


def _current(session: Session, network_id: int) -> dict[tuple[str, str], tuple[int, StructureCreate]]:
    """The network's structures by (SIRET, kind), read in two statements whatever their number."""
    rows = session.exec(select(Structure).where(Structure.network_id == network_id)).all()
    capacities: dict[int, dict[str, float]] = defaultdict(dict)
    for cap in session.exec(
        select(StructureCapacity).join(Structure).where(Structure.network_id == network_id)
    ).all():
        capacities[cap.structure_id][cap.trade] = cap.hours
    out = {}
    for s in rows:
        assert s.id is not None
        data = StructureCreate.model_construct(
            **s.model_dump(include=_FIELDS - {"capacities", "kind", "availability"}),
            kind=StructureKind(s.kind),
            capacities=capacities[s.id],
            # Read as posted, so that a file that does not carry it compares equal.
            availability=None
            if s.availability is None
            else [AvailabilityIn.model_validate(a) for a in s.availability],
        )
        out[(s.siret, s.kind)] = (s.id, data)
    return out


def _plan_row(
    row: CsvRow, current: dict[tuple[str, str], tuple[int, StructureCreate]], batch: _Batch
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
    merged = StructureCreate.model_validate(before.model_dump() | row.fields)
    changed = {n for n in _FIELDS if getattr(merged, n) != getattr(before, n)}
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


def _write(session: Session, network_id: int, batch: _Batch) -> None:
    """Every insert and update of the import in one transaction: all stored, or nothing (409)."""
    now = utcnow()
    columns = _FIELDS - {"capacities"}
    try:
        if batch.new:
            values = [
                data.model_dump(include=columns)
                | {"network_id": network_id, "created_at": now, "updated_at": now}
                for _, data in batch.new
            ]
            for start in range(0, len(values), CHUNK):
                ids = session.execute(
                    insert(Structure).returning(col(Structure.id), sort_by_parameter_order=True),
                    values[start : start + CHUNK],
                ).scalars()
                for (report, _), new_id in zip(batch.new[start : start + CHUNK], ids, strict=True):
                    report.structure_id = new_id
        if batch.changed:
            session.execute(
                update(Structure),
                [
                    data.model_dump(include=columns) | {"id": structure_id, "updated_at": now}
                    for structure_id, data, _ in batch.changed
                ],
            )
        replaced = [structure_id for structure_id, _, caps in batch.changed if caps]
        for start in range(0, len(replaced), CHUNK):
            chunk = replaced[start : start + CHUNK]
            session.execute(
                sql_delete(StructureCapacity).where(col(StructureCapacity.structure_id).in_(chunk))
            )
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
        if capacities:
            session.execute(insert(StructureCapacity), capacities)
        session.commit()
    except IntegrityError:
        # Another request stored one of these structures meanwhile: nothing of this import is kept.
        session.rollback()
        raise Conflict(
            "structures of this file were stored by another request meanwhile: send it again"
        ) from None


def import_directory(session: Session, network_id: int, text: str) -> ImportReport:
    """Upsert every good row; a bad row is reported and skipped, never stops the others.

    Rows are checked in memory against the network's structures read at once, then written in one
    transaction: the time grows linearly with the number of rows.
    """
    directory = parse_directory(text)
    current = _current(session, network_id)
    seen: dict[tuple[str, str], int] = {}
    report: list[ImportRow] = []
    batch = _Batch()
    for row in directory.rows:
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
    _write(session, network_id, batch)
    counts = {
        status: sum(r.status == status for r in report)
        for status in ("created", "updated", "unchanged", "rejected")
    }
    return ImportReport(**counts, columns=directory.columns, ignored_columns=directory.ignored, rows=report)
