"""Tenders of a network with their lots and sites; every function commits its own writes, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, func, insert
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.cancel import NEVER, CancelCheck, Cancelled
from app.core.db import begin_write, snapshot, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.etag import check_if_match
from app.periods.schemas import stored_windows
from app.plans.acceptance import accepted_for_tender
from app.tenders.models import Lot, Site, Tender
from app.tenders.schemas import (
    LotCreate,
    TenderCreate,
    TenderHeader,
    TenderPublic,
    TendersPublic,
    TenderSummary,
    TenderUpdate,
)
from solver.problem import Site as SiteSpec

_HEADER = list(TenderHeader.model_fields)
_SITE_FIELDS = set(SiteSpec.model_fields) - {"id"}
# The lot's fields as posted (`id` is stored as `ref`, its sites in their own table).
_LOT_FIELDS = (set(LotCreate.model_fields) & set(Lot.model_fields)) - {"id", "sites"}
# The columns read back, in the API's names (`ref` is the API's `id`).
_SITE_TABLE: Table = Site.__table__  # type: ignore[attr-defined]
_LOT_TABLE: Table = Lot.__table__  # type: ignore[attr-defined]
_SITE_STORED = [c.name for c in _SITE_TABLE.c if c.name in _SITE_FIELDS]
_SITE_COLUMNS = [_SITE_TABLE.c.ref, *(_SITE_TABLE.c[name] for name in _SITE_STORED)]
_SITE_NAMES = ["id", *_SITE_STORED]
_LOT_STORED = [c.name for c in _LOT_TABLE.c if c.name in _LOT_FIELDS]
_LOT_COLUMNS = [_LOT_TABLE.c.ref, *(_LOT_TABLE.c[name] for name in _LOT_STORED)]
_LOT_NAMES = ["id", *_LOT_STORED]


def get(session: Session, network_id: int, tender_id: int, *, for_update: bool = False) -> Tender:
    tender = session.get(Tender, tender_id, with_for_update=for_update)
    # Another network's tender is answered exactly like a missing one.
    if tender is None or tender.network_id != network_id:
        raise NotFound(f"no tender {tender_id} in this network")
    return tender


def read(session: Session, network_id: int, tender_id: int) -> TenderPublic:
    # The tender, its lots and its sites are read in several statements: one snapshot for all.
    snapshot(session)
    return _public(session, get(session, network_id, tender_id))


def sites_without_hours(session: Session, tender: Tender) -> list[str]:
    """Ids of the sites whose workload is still unknown (a draft imported from a buyer's package)."""
    return list(
        session.exec(
            select(Site.ref)
            .where(Site.tender_id == tender.id, col(Site.hours).is_(None))
            .order_by(col(Site.lot_id), col(Site.position))
        ).all()
    )


def list_tenders(
    session: Session, network_id: int, *, kind: str | None = None, limit: int = 50, offset: int = 0
) -> TendersPublic:
    query = select(Tender).where(Tender.network_id == network_id)
    if kind is not None:
        query = query.where(Tender.kind == kind)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(Tender.id)).limit(limit).offset(offset)).all()
    return TendersPublic(items=_summaries(session, page), total=total, limit=limit, offset=offset)


def create(
    session: Session, network_id: int, data: TenderCreate, *, check: CancelCheck = NEVER
) -> TenderPublic:
    """Store a tender with its lots and sites; `check` is called between lots (it raises `Cancelled`
    to stop, and nothing is stored)."""
    # The duplicate check and the insert in one write transaction: on SQLite a read transaction
    # cannot become a writer once another request has written, and would fail at once.
    begin_write(session)
    _refuse_duplicate(session, network_id, data.reference, None)
    tender = Tender(network_id=network_id, **data.model_dump(include=set(_HEADER)))
    session.add(tender)
    _commit(session, tender, data.lots, check)
    assert tender.id is not None
    return read(session, network_id, tender.id)


def update(
    session: Session, network_id: int, tender_id: int, patch: TenderUpdate, *, if_match: str | None = None
) -> TenderPublic:
    begin_write(session)
    tender = get(session, network_id, tender_id, for_update=True)
    if if_match is not None:
        check_if_match(if_match, _public(session, tender))
    changes = patch.model_dump(exclude_unset=True, exclude={"lots"})
    try:
        # The merged header is checked as a whole (e.g. execution end after a start set earlier).
        header = TenderHeader.model_validate(tender.model_dump(include=set(_HEADER)) | changes)
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None
    _refuse_duplicate(session, network_id, header.reference, tender.id)
    for name in _HEADER:
        setattr(tender, name, getattr(header, name))
    tender.updated_at = utcnow()
    session.add(tender)
    _commit(session, tender, patch.lots)
    return read(session, network_id, tender_id)


def delete(session: Session, network_id: int, tender_id: int, *, if_match: str | None = None) -> None:
    begin_write(session)
    tender = get(session, network_id, tender_id, for_update=True)
    if if_match is not None:
        check_if_match(if_match, _public(session, tender))
    _delete_lots(session, tender)
    session.delete(tender)
    session.commit()


def _refuse_duplicate(session: Session, network_id: int, reference: str, tender_id: int | None) -> None:
    other = session.exec(
        select(Tender.id).where(
            Tender.network_id == network_id, Tender.reference == reference, Tender.id != tender_id
        )
    ).first()
    if other is not None:
        raise Conflict(f"tender {other} already has the reference {reference!r} in this network")


def _commit(
    session: Session, tender: Tender, lots: list[LotCreate] | None, check: CancelCheck = NEVER
) -> None:
    """Commit the tender and, when given, replace its lots and sites: one transaction."""
    try:
        session.flush()
        if lots is not None:
            _delete_lots(session, tender)
            _insert_lots(session, tender, lots, check)
        check()
        session.commit()
    except IntegrityError:
        # Two requests raced past the duplicate check: the unique constraint decides.
        session.rollback()
        raise Conflict("a tender with this reference already exists in this network") from None
    except Cancelled:
        session.rollback()
        raise


def _delete_lots(session: Session, tender: Tender) -> None:
    session.exec(sql_delete(Site).where(col(Site.tender_id) == tender.id))
    session.exec(sql_delete(Lot).where(col(Lot.tender_id) == tender.id))


def _insert_lots(session: Session, tender: Tender, lots: list[LotCreate], check: CancelCheck) -> None:
    assert tender.id is not None
    rows = [
        Lot(
            tender_id=tender.id,
            ref=lot.id,
            position=i,
            **lot.model_dump(include=_LOT_FIELDS - {"windows"}),
            windows=stored_windows(lot.windows),
        )
        for i, lot in enumerate(lots)
    ]
    session.add_all(rows)
    session.flush()
    # The sites of each lot (at most 5 000) in one executemany of a core INSERT, without an ORM object
    # per site: a tender has up to 100 000 of them.
    for row, lot in zip(rows, lots, strict=True):
        check()
        sites: list[dict[str, Any]] = [
            site.model_dump(exclude={"id", "windows"})
            | {
                "windows": stored_windows(site.windows),
                "tender_id": tender.id,
                "lot_id": row.id,
                "ref": site.id,
                "position": j,
            }
            for j, site in enumerate(lot.sites)
        ]
        session.execute(insert(_SITE_TABLE), sites)


def _public(session: Session, tender: Tender) -> TenderPublic:
    # Columns, not ORM objects: a tender has up to 100 000 sites, read and checked in one pass.
    lots = session.execute(
        select(col(Lot.id), *_LOT_COLUMNS).where(Lot.tender_id == tender.id).order_by(col(Lot.position))
    ).all()
    by_lot: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in lots}
    for lot_id, *values in session.execute(
        select(col(Site.lot_id), *_SITE_COLUMNS)
        .where(Site.tender_id == tender.id)
        .order_by(col(Site.lot_id), col(Site.position))
    ):
        by_lot[lot_id].append(dict(zip(_SITE_NAMES, values, strict=True)))
    public_lots = [
        dict(zip(_LOT_NAMES, values, strict=True)) | {"sites": by_lot[lot_id]} for lot_id, *values in lots
    ]
    summary = _summaries(session, [tender])[0]
    return TenderPublic.model_validate(
        summary.model_dump() | {"lots": public_lots, "accepted": accepted_for_tender(session, tender.id)}
    )


def _summaries(session: Session, tenders: Sequence[Tender]) -> list[TenderSummary]:
    ids = [t.id for t in tenders]
    lot_counts: dict[int, int] = dict(
        session.exec(
            select(Lot.tender_id, func.count())
            .where(col(Lot.tender_id).in_(ids))
            .group_by(col(Lot.tender_id))
        ).all()
    )
    site_totals = {
        tender_id: (count, hours, with_hours)
        for tender_id, count, hours, with_hours in session.exec(
            select(Site.tender_id, func.count(), func.sum(Site.hours), func.count(col(Site.hours)))
            .where(col(Site.tender_id).in_(ids))
            .group_by(col(Site.tender_id))
        ).all()
    }
    out = []
    for t in tenders:
        assert t.id is not None
        site_count, hours, with_hours = site_totals.get(t.id, (0, 0.0, 0))
        out.append(
            TenderSummary.model_validate(
                t.model_dump()
                | {
                    "lot_count": lot_counts.get(t.id, 0),
                    "site_count": site_count,
                    "total_hours": hours or 0.0,
                    "draft": with_hours < site_count,
                }
            )
        )
    return out
