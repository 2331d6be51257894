"""The OCDS package of a stored tender, with the joint bid of its accepted grouping."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from app.core.cancel import NEVER, CancelCheck
from app.integrations import groupings
from app.integrations.ocds import export_package, joint_bid, validate_package
from app.networks.service import Caller
from app.tenders import service as tenders

logger = logging.getLogger("planner")


class InvalidExport(RuntimeError):
    """An export that does not validate is a bug of the exporter: it is never sent."""


def tender_package(
    session: Session, caller: Caller, tender_id: int, *, uri: str, check: CancelCheck = NEVER
) -> dict[str, Any]:
    """The package of a tender, checked against the schemas; `check` is called between the steps and
    between lots (it raises `Cancelled` to stop the export)."""
    tender = tenders.read(session, caller.network_id, tender_id).model_dump(mode="json")
    accepted = groupings.accepted(session, caller.network_id, tender_id)
    # The snapshot of the read ends here: nothing is held while the package is written and checked.
    session.rollback()
    check()
    bid = None if accepted is None else joint_bid(accepted.grouping, accepted.tender, accepted.parties)
    package = export_package(tender, bid, uri=uri, publisher=caller.network_name, check=check)
    check()
    errors = validate_package(package)
    if errors:
        logger.error("OCDS export of tender %s is invalid: %s", tender_id, errors)
        raise InvalidExport(f"OCDS export of tender {tender_id} does not validate")
    return package
