"""Plans of a network's tenders: request, read, cancel, accept a grouping, re-plan.

Every function is scoped by the network (another network's plan is answered as missing) and owns
its transaction: a plan and its job are committed together or not at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import defer, object_session
from sqlmodel import Session, col, select

from app.commitments import service as commitments
from app.core.db import begin_write, utcnow
from app.core.errors import Conflict, FieldError, InvalidInput, NotFound, PreconditionFailed
from app.core.etag import etag_of_bytes, tag_listed
from app.integrations.webhooks import events as webhook_events
from app.jobs import lifecycle
from app.jobs.backend import PlanJobs
from app.plans.limits import PlanLimits, check_options, check_room
from app.plans.models import Plan, PlanStatus
from app.plans.problem import build_problem
from app.plans.schemas import PlanPublic, PlansPublic, PlanSummary
from app.tenders import service as tenders
from app.tenders.models import Tender
from solver.problem import Baseline, Options, ReplanMode


def get(session: Session, network_id: int, plan_id: int) -> Plan:
    # The stored problem is the largest column and most reads do not need it: loaded on first access.
    plan = session.exec(select(Plan).where(Plan.id == plan_id).options(defer(Plan.problem))).first()  # type: ignore[arg-type]
    if plan is None or plan.network_id != network_id:
        raise NotFound(f"no plan {plan_id} in this network")
    return plan


def public(plan: Plan) -> PlanPublic:
    return PlanPublic.model_validate(plan, from_attributes=True)


def get_for_reading(session: Session, network_id: int, plan_id: int) -> Plan:
    """The plan as `public_json` reads it: its result (large) is loaded only if its JSON is not known."""
    plan = session.exec(
        select(Plan)
        .where(Plan.id == plan_id, Plan.network_id == network_id)
        .options(defer(Plan.problem), defer(Plan.result))  # type: ignore[arg-type]
    ).first()
    if plan is None:
        raise NotFound(f"no plan {plan_id} in this network")
    return plan


def along_plan(plan_id: int) -> Callable[[Any, Any], Any]:
    """Joins to an API key's query the plan `plan_id` of the key's network (None if it has none), as
    `get_for_reading` loads it: the key check and the read in one statement."""

    def along(query: Any, network_id: Any) -> Any:
        return (
            query.add_columns(Plan)
            .outerjoin(Plan, and_(col(Plan.id) == plan_id, col(Plan.network_id) == network_id))
            .options(defer(Plan.problem), defer(Plan.result))  # type: ignore[arg-type]
        )

    return along


def found(plan: Plan | None, plan_id: int) -> Plan:
    if plan is None:
        raise NotFound(f"no plan {plan_id} in this network")
    return plan


class _Answers:
    """The JSON of finished plans, most recently read first. A done plan's result never changes once
    written; what may (its acceptance) is part of the key, so a stale answer is never served."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], answer: tuple[bytes, str]) -> None:
        with self.lock:
            self.items[key] = answer
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_ANSWERS = _Answers(size=64)


def public_json(plan: Plan) -> tuple[bytes, str]:
    """The plan as `GET /plans/{id}` answers it, and its ETag. A finished plan is validated and written
    out once per process, then served as stored (polling clients read the same plan again and again)."""
    key = None
    if plan.status == PlanStatus.done.value:
        # The database is part of the key: one process may serve several (tests do).
        database = str(session.get_bind().engine.url) if (session := object_session(plan)) else None
        key = (database, plan.id, plan.finished_at, plan.accepted_rank, plan.accepted_at)
        found = _ANSWERS.get(key)
        if found is not None:
            return found
    if key is None:
        # Only a done plan has a result (written once, with its status): no second query for the others.
        fields = {name: getattr(plan, name) for name in PlanPublic.model_fields if name != "result"}
        body = PlanPublic.model_validate(fields).model_dump_json(by_alias=True).encode()
    else:
        body = public(plan).model_dump_json(by_alias=True).encode()
    answer = (body, etag_of_bytes(body))
    if key is not None:
        _ANSWERS.put(key, answer)
    return answer


def refuse_draft(session: Session, tender: Tender) -> None:
    """A draft tender (sites without hours) cannot be planned: 409 naming each site to complete."""
    missing = tenders.sites_without_hours(session, tender)
    if missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        raise Conflict(
            f"tender {tender.id} is a draft: {len(missing)} site(s) have no hours ({shown}); "
            "give their hours (PATCH /tenders/{id} with the lots) or import the package again with "
            "hours_per_unit",
            errors=[
                FieldError(field=f"sites.{ref}.hours", reason="workload in hours unknown") for ref in missing
            ],
        )


def create(
    session: Session,
    jobs: PlanJobs,
    network_id: int,
    tender_id: int,
    options: Options,
    *,
    replan_of: int | None = None,
    withdrawn: list[str] | None = None,
    limits: PlanLimits | None = None,
) -> Plan:
    """Store the plan with the problem as the data stand now, and queue its job in the same commit.

    With `limits` (requests over the API), options over them are a 422 and a network that already
    has its most plans queued or running a 429.
    """
    if limits is not None:
        check_options(options, limits)
    # The tender's lots and sites are read as one version: its row is held (FOR SHARE) until the commit,
    # so a PATCH replacing them (which holds it FOR UPDATE) is either all before or all after.
    begin_write(session)
    session.exec(select(Tender.id).where(Tender.id == tender_id).with_for_update(read=True)).first()
    tender = tenders.get(session, network_id, tender_id)
    if limits is not None:
        check_room(session, network_id, limits)
    refuse_draft(session, tender)
    problem = build_problem(session, tender, options)
    plan = Plan(
        network_id=network_id,
        tender_id=tender_id,
        options=problem.options.model_dump(mode="json"),
        problem=problem.model_dump(mode="json"),
        replan_of=replan_of,
        withdrawn=withdrawn,
    )
    lifecycle.queue(session, jobs, plan, "plan")
    return plan


def list_for_tender(
    session: Session, network_id: int, tender_id: int, *, limit: int = 50, offset: int = 0
) -> PlansPublic:
    tenders.get(session, network_id, tender_id)
    query = select(Plan).where(Plan.tender_id == tender_id, Plan.network_id == network_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(Plan.id).desc()).limit(limit).offset(offset)).all()
    items = [PlanSummary.model_validate(p, from_attributes=True) for p in page]
    return PlansPublic(items=items, total=total, limit=limit, offset=offset)


def cancel(session: Session, jobs: PlanJobs, network_id: int, plan_id: int) -> Plan:
    """A queued plan is cancelled at once; a running one too, and its solver is stopped by its run."""
    plan = get(session, network_id, plan_id)
    lifecycle.cancel(session, jobs, plan, "plan")
    return plan


def _grouping(plan: Plan, rank: int) -> dict[str, Any]:
    if plan.status != PlanStatus.done.value or not plan.result:
        raise Conflict(f"plan {plan.id} is {plan.status}: only a done plan has groupings to accept")
    for grouping in plan.result.get("groupings", []):
        if grouping.get("rank") == rank:
            found: dict[str, Any] = grouping
            return found
    ranks = [g.get("rank") for g in plan.result.get("groupings", [])]
    raise InvalidInput(
        [FieldError(field="rank", reason=f"the plan has no grouping of rank {rank} (ranks: {ranks})")]
    )


def lock_tender(session: Session, tender_id: int) -> None:
    """Hold the tender's row until the commit; another accept of the same tender already at it is a 409.

    Accepts of one tender are then one at a time (the one accepted grouping per tender is never raced
    for). SQLite has one writer at a time anyway (`begin_write`).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    try:
        session.exec(select(Tender.id).where(Tender.id == tender_id).with_for_update(nowait=True))
    except OperationalError:
        session.rollback()
        raise Conflict(
            f"tender {tender_id} is being changed by another request (an accept or a PATCH): "
            "read it again and retry"
        ) from None


def accept(
    session: Session, network_id: int, plan_id: int, rank: int, *, if_match: str | None = None
) -> Plan:
    """Make a grouping of the plan the tender's accepted grouping, replacing any accepted before, and
    commit its hours (replacing the tender's commitment).

    Accepting the grouping already accepted changes nothing (and announces nothing again, nor commits
    its hours again once released), whatever `If-Match` says; otherwise, with `If-Match`, only if the
    plan is still at that version (412): e.g. another coordinator accepted another grouping meanwhile.
    """
    begin_write(session)
    plan = get(session, network_id, plan_id)
    lock_tender(session, plan.tender_id)
    # Read again under the lock: another accept may have been committed since.
    session.refresh(plan)
    _grouping(plan, rank)
    if plan.accepted_rank == rank:
        session.rollback()
        session.refresh(plan)
        return plan
    if if_match is not None and not tag_listed(if_match, public_json(plan)[1]):
        raise PreconditionFailed(
            "the plan has changed since the version given in If-Match: read it again (GET) and retry"
        )
    accept_grouping(session, plan, rank)
    session.commit()
    session.refresh(plan)
    return plan


def accept_grouping(session: Session, plan: Plan, rank: int) -> None:
    """Make the plan's grouping `rank` its tender's accepted grouping and commit its hours, in the
    caller's transaction (the caller holds the tender, `lock_tender`, and commits)."""
    session.connection().execute(
        update(Plan)
        .where(col(Plan.tender_id) == plan.tender_id)
        .where(col(Plan.accepted_rank).is_not(None))
        .values(accepted_rank=None, accepted_at=None)
    )
    plan.accepted_rank = rank
    plan.accepted_at = utcnow()
    session.add(plan)
    session.flush()
    # The accepted grouping's hours are committed: later plans of other tenders respect them.
    commitments.commit(session, plan, rank)
    webhook_events.grouping_accepted(session, plan)


def replan(
    session: Session,
    jobs: PlanJobs,
    network_id: int,
    plan_id: int,
    withdrawn: list[str],
    move_penalty: float | None = None,
    mode: ReplanMode = "before_submission",
    limits: PlanLimits | None = None,
) -> Plan:
    """A new plan for the tender that keeps what it can of the accepted grouping, without the withdrawn."""
    plan = get(session, network_id, plan_id)
    if plan.accepted_rank is None:
        raise Conflict(
            f"plan {plan_id} has no accepted grouping: accept one (POST /plans/{plan_id}/accept) first"
        )
    grouping = _grouping(plan, plan.accepted_rank)
    # A member is a legal entity (SIREN): naming any of its structures withdraws the entity whole.
    entity = {
        s: sorted(m.get("structures") or [m["structure"]])
        for m in grouping.get("members", [])
        for s in m.get("structures") or [m["structure"]]
    }
    strangers = [s for s in withdrawn if s not in entity]
    if strangers:
        raise InvalidInput(
            [FieldError(field="withdrawn", reason=f"not members of the accepted grouping: {strangers}")]
        )
    withdrawn = sorted({s for w in withdrawn for s in entity[w]})
    options = Options.model_validate(plan.options)
    # A member that withdrew before stays out: the accepted plan may itself be a re-plan.
    earlier = options.baseline.withdrawn if options.baseline else []
    baseline = Baseline(
        mode=mode,
        assignments={a["site"]: a["structure"] for a in grouping.get("assignments", [])},
        # Every structure of the accepted members (a member is a legal entity, its structures pooled).
        members=sorted(entity),
        mandataire=grouping.get("mandataire"),
        withdrawn=sorted(set(earlier) | set(withdrawn)),
        **({} if move_penalty is None else {"move_penalty": move_penalty}),
    )
    required = [s for s in options.required if s not in baseline.withdrawn]
    options = options.model_copy(update={"baseline": baseline, "required": required})
    return create(
        session,
        jobs,
        network_id,
        plan.tender_id,
        options,
        replan_of=plan.id,
        withdrawn=withdrawn,
        limits=limits,
    )
