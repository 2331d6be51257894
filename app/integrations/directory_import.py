"""Upserting a directory CSV into the network's structures, one row at a time, with a report per row.

A row is identified by (SIRET, kind). Fields the file does not carry keep their stored value, so an ASP
list re-imported after the coordinator entered turnover and capacities leaves them as they are.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select

from app.core.errors import FieldError, ProblemError, field_errors
from app.integrations.directory_csv import CsvRow, parse_directory
from app.structures import service as structures
from app.structures.models import Structure
from app.structures.schemas import StructureCreate, StructureUpdate, check_siret

RowStatus = Literal["created", "updated", "unchanged", "rejected"]
_FIELDS = set(StructureCreate.model_fields)


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


def _upsert(
    session: Session, network_id: int, row: CsvRow, existing: dict[tuple[str, str], int]
) -> ImportRow:
    key = (row.fields["siret"], row.fields["kind"])
    structure_id = existing.get(key)
    if structure_id is None:
        data = StructureCreate.model_validate(row.defaults | row.fields)
        created = structures.create(session, network_id, data)
        existing[key] = created.id
        return ImportRow(
            line=row.line,
            siret=data.siret,
            kind=data.kind.value,
            name=data.name,
            status="created",
            structure_id=created.id,
        )
    current = structures.read(session, network_id, structure_id).model_dump(include=_FIELDS)
    merged = StructureCreate.model_validate(current | row.fields)
    before = StructureCreate.model_validate(current)
    changed = {n for n in _FIELDS if getattr(merged, n) != getattr(before, n)}
    status: RowStatus = "unchanged"
    if changed:
        patch = StructureUpdate.model_validate(merged.model_dump(mode="json", include=changed))
        structures.update(session, network_id, structure_id, patch)
        status = "updated"
    return ImportRow(
        line=row.line,
        siret=merged.siret,
        kind=merged.kind.value,
        name=merged.name,
        status=status,
        structure_id=structure_id,
    )


def import_directory(session: Session, network_id: int, text: str) -> ImportReport:
    """Upsert every good row; a bad row is reported and skipped, never stops the others."""
    directory = parse_directory(text)
    rows = session.exec(
        select(Structure.siret, Structure.kind, Structure.id).where(Structure.network_id == network_id)
    )
    existing = {(siret, kind): sid for siret, kind, sid in rows if sid is not None}
    seen: dict[tuple[str, str], int] = {}
    report: list[ImportRow] = []
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
            report.append(_upsert(session, network_id, row, existing))
        except ValidationError as exc:
            session.rollback()
            report.append(_rejected(row, field_errors(exc.errors())))
        except ProblemError as exc:
            session.rollback()
            report.append(_rejected(row, exc.errors or [FieldError(field="row", reason=exc.detail)]))
    counts = {
        status: sum(r.status == status for r in report)
        for status in ("created", "updated", "unchanged", "rejected")
    }
    return ImportReport(**counts, columns=directory.columns, ignored_columns=directory.ignored, rows=report)
