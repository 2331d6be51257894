"""Structures of a network: every function is scoped by the network and commits its own writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete as sql_delete
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from stdnum.fr import siret as stdnum_siret

from app.core.db import begin_write, snapshot, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.etag import check_if_match
from app.structures.models import Structure, StructureCapacity
from app.structures.schemas import (
    StructureCreate,
    StructurePublic,
    StructuresPublic,
    StructureUpdate,
)

_FIELDS = [f for f in StructureCreate.model_fields if f != "capacities"]


def get(session: Session, network_id: int, structure_id: int, *, for_update: bool = False) -> Structure:
    structure = session.get(Structure, structure_id, with_for_update=for_update)
    # Another network's structure is answered exactly like a missing one.
    if structure is None or structure.network_id != network_id:
        raise NotFound(f"no structure {structure_id} in this network")
    return structure


def read(session: Session, network_id: int, structure_id: int) -> StructurePublic:
    # The structure and its capacities are read in two statements: one snapshot for both.
    snapshot(session)
    return _public(session, [get(session, network_id, structure_id)])[0]


def list_structures(
    session: Session,
    network_id: int,
    *,
    kind: str | None = None,
    trade: str | None = None,
    territory: str | None = None,
    siret: str | None = None,
    siren: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> StructuresPublic:
    query = select(Structure).where(Structure.network_id == network_id)
    if kind is not None:
        query = query.where(Structure.kind == kind)
    if territory is not None:
        query = query.where(Structure.territory == territory)
    if siret is not None:
        query = query.where(Structure.siret == stdnum_siret.compact(siret))
    if siren is not None:
        query = query.where(col(Structure.siret).startswith(siren))
    if trade is not None:
        holders = select(StructureCapacity.structure_id).where(StructureCapacity.trade == trade)
        query = query.where(col(Structure.id).in_(holders))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(Structure.id)).limit(limit).offset(offset)).all()
    return StructuresPublic(items=_public(session, page), total=total, limit=limit, offset=offset)


def create(session: Session, network_id: int, data: StructureCreate) -> StructurePublic:
    # The duplicate check and the insert in one write transaction: on SQLite a read transaction
    # cannot become a writer once another request has written, and would fail at once.
    begin_write(session)
    _refuse_duplicate(session, network_id, data.siret, data.kind.value, None)
    structure = Structure(network_id=network_id, **data.model_dump(include=set(_FIELDS)))
    session.add(structure)
    _commit(session, structure, data.capacities)
    assert structure.id is not None
    return read(session, network_id, structure.id)


def update(
    session: Session,
    network_id: int,
    structure_id: int,
    patch: StructureUpdate,
    *,
    if_match: str | None = None,
) -> StructurePublic:
    begin_write(session)
    structure = get(session, network_id, structure_id, for_update=True)
    before = _public(session, [structure])[0]
    check_if_match(if_match, before)
    current = before.model_dump(include=set(StructureCreate.model_fields))
    try:
        # The merged record is checked as a whole, as if it were created anew.
        data = StructureCreate.model_validate(current | patch.model_dump(exclude_unset=True))
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None
    _refuse_duplicate(session, network_id, data.siret, data.kind.value, structure.id)
    for name, value in data.model_dump(include=set(_FIELDS)).items():
        setattr(structure, name, value)
    structure.updated_at = utcnow()
    session.add(structure)
    _commit(session, structure, data.capacities if "capacities" in patch.model_fields_set else None)
    return read(session, network_id, structure_id)


def delete(session: Session, network_id: int, structure_id: int, *, if_match: str | None = None) -> None:
    begin_write(session)
    structure = get(session, network_id, structure_id, for_update=True)
    if if_match is not None:
        check_if_match(if_match, _public(session, [structure])[0])
    session.exec(sql_delete(StructureCapacity).where(col(StructureCapacity.structure_id) == structure.id))
    session.delete(structure)
    session.commit()


def _refuse_duplicate(
    session: Session, network_id: int, siret: str, kind: str, structure_id: int | None
) -> None:
    other = session.exec(
        select(Structure.id).where(
            Structure.network_id == network_id,
            Structure.siret == siret,
            Structure.kind == kind,
            Structure.id != structure_id,
        )
    ).first()
    if other is not None:
        raise Conflict(f"structure {other} already has SIRET {siret} and kind {kind} in this network")


def _commit(session: Session, structure: Structure, capacities: dict[str, float] | None) -> None:
    """Commit the structure and, when given, replace its capacities, all in one transaction."""
    try:
        session.flush()
        if capacities is not None:
            session.exec(
                sql_delete(StructureCapacity).where(col(StructureCapacity.structure_id) == structure.id)
            )
            assert structure.id is not None
            session.add_all(
                StructureCapacity(structure_id=structure.id, trade=trade, hours=hours)
                for trade, hours in capacities.items()
            )
        session.commit()
    except IntegrityError:
        # Two requests raced past the duplicate check: the unique constraint decides.
        session.rollback()
        raise Conflict("a structure with this SIRET and kind already exists in this network") from None


def _public(session: Session, structures: Sequence[Structure]) -> list[StructurePublic]:
    ids = [s.id for s in structures]
    capacities: dict[int, dict[str, float]] = {i: {} for i in ids if i is not None}
    if ids:
        rows = session.exec(
            select(StructureCapacity)
            .where(col(StructureCapacity.structure_id).in_(ids))
            .order_by(col(StructureCapacity.trade))
        ).all()
        for row in rows:
            capacities[row.structure_id][row.trade] = row.hours
    out = []
    for s in structures:
        assert s.id is not None
        fields: dict[str, Any] = s.model_dump()
        out.append(StructurePublic.model_validate(fields | {"capacities": capacities[s.id]}))
    return out
