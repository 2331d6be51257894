"""The planning problem of a tender: its lots and sites, the network's structures, the options.

A structure is named in the problem (and so in the plan) by its API id written as a string, so a
plan's `mandataire`, members and assignments point back to `/structures/{id}`.

A field left unset in the database is left out of the problem, so that the planner's default applies
(e.g. the insertion rate of the structure's kind). Two rules carry the tender's header to its lots:
a tender reserved to SIAE (CCP L2113-13) reserves every lot that states no reservation of its own,
and the insertion hours of a one-lot tender are its lot's when the lot states none (or 0).

The active commitments of the network's other tenders go to the structures' `commitments`
(`app.commitments.service.respected`): their hours are not free for this tender.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.commitments import service as commitments
from app.core.errors import FieldError, InvalidInput
from app.structures.models import Structure, StructureCapacity
from app.tenders.models import Lot, Site, Tender
from solver.problem import Lot as LotSpec
from solver.problem import Options, PlanningProblem, StructureSpec, TenderSpec
from solver.problem import Site as SiteSpec

_SITE_FIELDS = set(SiteSpec.model_fields) - {"id"}
_LOT_FIELDS = set(LotSpec.model_fields) - {"id", "sites"}
_TENDER_FIELDS = set(TenderSpec.model_fields) - {"lots"}
_STRUCTURE_FIELDS = set(StructureSpec.model_fields) - {"id", "capacities"}


def _set(record: Any, fields: set[str]) -> dict[str, Any]:
    """The record's fields the problem knows, without those left unset (the planner's default applies)."""
    return {k: v for k, v in record.model_dump(include=fields).items() if v is not None}


def _lot(tender: Tender, lot: Lot, lot_count: int) -> dict[str, Any]:
    data = _set(lot, _LOT_FIELDS)
    if "reserved" in _LOT_FIELDS and tender.reserved and lot.reserved is None:
        data["reserved"] = "siae"
    one_lot_clause = lot_count == 1 and not lot.insertion_hours and tender.insertion_hours
    if "insertion_hours" in _LOT_FIELDS and one_lot_clause:
        data["insertion_hours"] = tender.insertion_hours
    return data


def tender_data(session: Session, tender: Tender) -> dict[str, Any]:
    lots = session.exec(select(Lot).where(Lot.tender_id == tender.id).order_by(col(Lot.position))).all()
    sites = session.exec(select(Site).where(Site.tender_id == tender.id).order_by(col(Site.position))).all()
    by_lot: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for site in sites:
        # A site without windows of its own is left without the key: the problem of a tender without
        # time stays what it was.
        fields = _SITE_FIELDS if site.windows is not None else _SITE_FIELDS - {"windows"}
        by_lot[site.lot_id].append(site.model_dump(include=fields) | {"id": site.ref})
    return _set(tender, _TENDER_FIELDS) | {
        "lots": [
            _lot(tender, lot, len(lots)) | {"id": lot.ref, "sites": by_lot[lot.id or 0]} for lot in lots
        ],
    }


def structures_data(session: Session, network_id: int) -> list[dict[str, Any]]:
    structures = session.exec(
        select(Structure).where(Structure.network_id == network_id).order_by(col(Structure.id))
    ).all()
    capacities: dict[int, dict[str, float]] = defaultdict(dict)
    rows = session.exec(
        select(StructureCapacity).join(Structure).where(Structure.network_id == network_id)
    ).all()
    for row in rows:
        capacities[row.structure_id][row.trade] = row.hours
    return [
        _set(s, _STRUCTURE_FIELDS) | {"id": str(s.id), "capacities": capacities[s.id or 0]}
        for s in structures
    ]


def build_problem(session: Session, tender: Tender, options: Options) -> PlanningProblem:
    """The problem as the data stand now; a 422 names what makes it unsolvable as posed."""
    try:
        problem = PlanningProblem.model_validate(
            {
                "tender": tender_data(session, tender),
                "structures": structures_data(session, tender.network_id),
                "options": options.model_dump(),
            }
        )
    except ValidationError as exc:
        raise invalid_problem(exc) from exc
    # The hours other tenders' accepted groupings hold are not free for this one.
    assert tender.id is not None
    return commitments.respected(session, problem, tender.id, tender.network_id)


def invalid_problem(exc: ValidationError) -> InvalidInput:
    """A 422 naming what makes a problem unsolvable as posed."""
    errors = []
    for error in exc.errors():
        reason = str(error["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in error["loc"])
        if not field:
            # Cross-field checks of the problem name the option they refer to ("options.required: ...").
            head, _, rest = reason.partition(": ")
            named = head.startswith(("options.", "tenders.")) and rest
            field, reason = (head, rest) if named else ("options", reason)
        errors.append(FieldError(field=field, reason=reason))
    return InvalidInput(errors)
