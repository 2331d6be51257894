"""Commitments of a network: made when a grouping is accepted, respected by later plans, released.

An accepted grouping (`POST /plans/{id}/accept`) commits its structures' hours (`app.commitments.hours`);
accepting another grouping of the same tender replaces the commitment, as it replaces the acceptance.
Plans of other tenders requested while it is active get its hours as the structures' `commitments`
(`solver.periods.Commitment`): taken off their capacity in those periods, and off their capacity per
trade within the tender's dates. Releasing it frees the hours for the plans requested afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.commitments.hours import Line, grouping_lines, untimed_span
from app.commitments.models import Commitment, CommitmentLine, CommitmentStatus
from app.commitments.schemas import CommitmentLinePublic, CommitmentPublic, CommitmentsPublic
from app.core.db import begin_write, snapshot, utcnow
from app.core.errors import NotFound
from app.core.etag import check_if_match
from app.plans.models import Plan
from app.structures.models import Structure
from solver import loads
from solver.periods import Commitment as CommitmentSpec
from solver.problem import PlanningProblem, StructureSpec, TenderSpec

# --- made by an acceptance --------------------------------------------------------------------------


def commit(session: Session, plan: Plan, rank: int) -> Commitment:
    """Commit the hours of the plan's grouping `rank`, replacing the tender's active commitment.

    Runs in the acceptance's transaction (its caller commits)."""
    now = utcnow()
    session.connection().execute(
        update(Commitment)
        .where(col(Commitment.tender_id) == plan.tender_id)
        .where(col(Commitment.released_at).is_(None))
        .values(status=CommitmentStatus.replaced.value, released_at=now)
    )
    problem = PlanningProblem.model_validate(plan.problem)
    grouping = next(g for g in (plan.result or {}).get("groupings", []) if g.get("rank") == rank)
    known = set(session.exec(select(Structure.id).where(Structure.network_id == plan.network_id)).all())
    lines = [
        line
        for line in grouping_lines(problem, grouping, now.date())
        if line.structure.isdigit() and int(line.structure) in known
    ]
    start, end = _bounds(lines, problem, now.date())
    commitment = Commitment(
        network_id=plan.network_id,
        tender_id=plan.tender_id,
        plan_id=plan.id or 0,
        rank=rank,
        reference=problem.tender.reference,
        start=start,
        end=end,
        hours=round(sum(line.hours for line in lines), 2),
        created_at=now,
    )
    session.add(commitment)
    session.flush()
    assert commitment.id is not None
    for line in lines:
        session.add(
            CommitmentLine(
                commitment_id=commitment.id,
                structure_id=int(line.structure),
                trade=line.trade,
                start=line.start,
                end=line.end,
                hours=line.hours,
            )
        )
    return commitment


def _bounds(lines: list[Line], problem: PlanningProblem, today: date) -> tuple[date, date]:
    if lines:
        return min(line.start for line in lines), max(line.end for line in lines)
    return untimed_span(problem.tender, today)


# --- respected by later plans -----------------------------------------------------------------------


def respected(session: Session, problem: PlanningProblem, tender_id: int, network_id: int) -> PlanningProblem:
    """The problem with the active commitments of the network's other tenders on its structures."""
    structures = respected_structures(session, network_id, [problem.tender], [tender_id], problem.structures)
    if structures is problem.structures:
        return problem
    return problem.model_copy(update={"structures": structures})


def respected_structures(
    session: Session,
    network_id: int,
    tenders: list[TenderSpec],
    tender_ids: list[int],
    structures: list[StructureSpec],
) -> list[StructureSpec]:
    """The structures planned for `tenders` (stored as `tender_ids`, e.g. a portfolio's), with the active
    commitments of the network's other tenders added to their `commitments`.

    Only what can bind these tenders is passed: lines in their trades that meet their dates (their
    sites' windows and execution). Tenders without any date are planned for the work to come: every
    line that has not ended before today is passed, as the solver then counts every commitment. The
    list is returned as it was when no commitment touches it, and the tenders are planned as before."""
    trades = {lot.trade for tender in tenders for lot in tender.lots}
    days = {f"{n}/{k}": d for n, t in enumerate(tenders) for k, d in loads.site_days(t).items()}
    within = loads.span(tenders, days)
    rows = session.exec(
        select(CommitmentLine, Commitment.reference)
        .join(Commitment, col(Commitment.id) == col(CommitmentLine.commitment_id))
        .where(Commitment.network_id == network_id)
        .where(col(Commitment.tender_id).not_in(tender_ids))
        .where(col(Commitment.released_at).is_(None))
        .where(col(CommitmentLine.trade).in_(trades))
        .order_by(col(CommitmentLine.id))
    ).all()
    today = utcnow().date()
    by_structure: dict[str, list[CommitmentSpec]] = defaultdict(list)
    for line, reference in rows:
        if within is not None and (line.end < within[0] or line.start > within[1]):
            continue
        if within is None and line.end < today:
            continue
        by_structure[str(line.structure_id)].append(
            CommitmentSpec(
                reference=reference, trade=line.trade, start=line.start, end=line.end, hours=line.hours
            )
        )
    if not by_structure:
        return structures
    return [
        st.model_copy(update={"commitments": [*(st.commitments or []), *by_structure[st.id]]})
        if st.id in by_structure
        else st
        for st in structures
    ]


# --- read and released over the API -----------------------------------------------------------------


def get(session: Session, network_id: int, commitment_id: int, *, for_update: bool = False) -> Commitment:
    commitment = session.get(Commitment, commitment_id, with_for_update=for_update)
    # Another network's commitment is answered exactly like a missing one.
    if commitment is None or commitment.network_id != network_id:
        raise NotFound(f"no commitment {commitment_id} in this network")
    return commitment


def _public(session: Session, commitments: Sequence[Commitment]) -> list[CommitmentPublic]:
    ids = [c.id for c in commitments]
    rows = session.exec(
        select(CommitmentLine, Structure.name)
        .join(Structure, col(Structure.id) == col(CommitmentLine.structure_id))
        .where(col(CommitmentLine.commitment_id).in_(ids))
        .order_by(col(CommitmentLine.structure_id), col(CommitmentLine.trade), col(CommitmentLine.start))
    ).all()
    lines: dict[int, list[CommitmentLinePublic]] = defaultdict(list)
    for line, name in rows:
        lines[line.commitment_id].append(
            CommitmentLinePublic(
                structure_id=line.structure_id,
                structure_name=name,
                trade=line.trade,
                start=line.start,
                end=line.end,
                hours=line.hours,
            )
        )
    return [
        CommitmentPublic(
            id=c.id or 0,
            tender_id=c.tender_id,
            reference=c.reference,
            plan_id=c.plan_id,
            rank=c.rank,
            status=CommitmentStatus(c.status),
            start=c.start,
            end=c.end,
            hours=c.hours,
            lines=lines[c.id or 0],
            created_at=c.created_at,
            released_at=c.released_at,
        )
        for c in commitments
    ]


def read(session: Session, network_id: int, commitment_id: int) -> CommitmentPublic:
    snapshot(session)
    return _public(session, [get(session, network_id, commitment_id)])[0]


def list_commitments(
    session: Session,
    network_id: int,
    *,
    status: CommitmentStatus | None = None,
    tender_id: int | None = None,
    structure_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CommitmentsPublic:
    snapshot(session)
    query = select(Commitment).where(Commitment.network_id == network_id)
    if status is not None:
        query = query.where(Commitment.status == status.value)
    if tender_id is not None:
        query = query.where(Commitment.tender_id == tender_id)
    if structure_id is not None:
        holding = select(CommitmentLine.commitment_id).where(CommitmentLine.structure_id == structure_id)
        query = query.where(col(Commitment.id).in_(holding))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(Commitment.id).desc()).limit(limit).offset(offset)).all()
    return CommitmentsPublic(items=_public(session, page), total=total, limit=limit, offset=offset)


def release(
    session: Session, network_id: int, commitment_id: int, *, if_match: str | None = None
) -> CommitmentPublic:
    """Free the commitment's hours for the plans requested from now on.

    Releasing a commitment that is no longer active changes nothing and answers it as it is, whatever
    `If-Match` says (a retried release finds what it asked for); an active one is released only if still
    at `If-Match`, when given."""
    begin_write(session)
    commitment = get(session, network_id, commitment_id, for_update=True)
    current = _public(session, [commitment])[0]
    if commitment.released_at is not None:
        session.rollback()
        return current
    check_if_match(if_match, current)
    commitment.status = CommitmentStatus.released.value
    commitment.released_at = utcnow()
    session.add(commitment)
    session.commit()
    session.refresh(commitment)
    return _public(session, [commitment])[0]


def held_by(session: Session, network_id: int, structure_id: int, *, limit: int = 100) -> CommitmentsPublic:
    """The commitments that hold hours of the structure, newest first, each narrowed to the structure's
    own lines: their hours and their first and last day."""
    found = list_commitments(session, network_id, structure_id=structure_id, limit=limit)
    items = []
    for commitment in found.items:
        own = [line for line in commitment.lines if line.structure_id == structure_id]
        if not own:
            continue
        items.append(
            commitment.model_copy(
                update={
                    "lines": own,
                    "hours": round(sum(line.hours for line in own), 2),
                    "start": min(line.start for line in own),
                    "end": max(line.end for line in own),
                }
            )
        )
    return found.model_copy(update={"items": items})
