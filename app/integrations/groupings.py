"""A grouping of a plan, with what the forms and the OCDS bid need: the structures and the tender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.core.errors import Conflict, NotFound
from app.integrations.communes import find_commune
from app.integrations.forms import FormInput
from app.integrations.parties import PartyInfo, parties_from_problem
from app.plans import service as plans
from app.plans.models import Plan, PlanStatus
from app.structures.models import Structure
from app.tenders import service as tenders
from solver.plan import Grouping


@dataclass
class GroupingContext:
    plan_id: int
    grouping: Grouping
    # The tender as planned (lots and sites of the plan's problem) with the buyer as recorded now.
    tender: dict[str, Any]
    parties: dict[str, PartyInfo]
    # The grouping as the plan JSON has it, and the problem's structures: what the forms read.
    raw: dict[str, Any]
    structures: dict[str, dict[str, Any]]

    def form_input(self, groupement_form: str | None = None) -> FormInput:
        return FormInput(self.raw, self.tender, self.structures, groupement_form)


def _parties(session: Session, network_id: int, problem: dict[str, Any]) -> dict[str, PartyInfo]:
    ids = [int(s["id"]) for s in problem.get("structures", []) if str(s["id"]).isdigit()]
    known: dict[str, PartyInfo] = {}
    if ids:
        rows = session.exec(
            select(Structure).where(Structure.network_id == network_id, col(Structure.id).in_(ids))
        ).all()
        for s in rows:
            commune = find_commune(insee=s.commune_insee, postcode=s.postcode)
            known[str(s.id)] = PartyInfo(
                str(s.id), s.name, s.siret, s.kind, s.address, s.postcode, commune.name if commune else None
            )
    # A structure deleted since the plan is still named as the plan knew it.
    return parties_from_problem(problem, known)


def of_plan(session: Session, network_id: int, plan_id: int, rank: int) -> GroupingContext:
    plan = plans.get(session, network_id, plan_id)
    return _context(session, network_id, plan, rank)


def accepted(session: Session, network_id: int, tender_id: int) -> GroupingContext | None:
    tenders.get(session, network_id, tender_id)
    plan = session.exec(
        select(Plan).where(
            Plan.network_id == network_id, Plan.tender_id == tender_id, col(Plan.accepted_rank).is_not(None)
        )
    ).first()
    if plan is None or plan.accepted_rank is None:
        return None
    return _context(session, network_id, plan, plan.accepted_rank)


def accepted_or_conflict(session: Session, network_id: int, tender_id: int) -> GroupingContext:
    context = accepted(session, network_id, tender_id)
    if context is None:
        raise Conflict(
            f"tender {tender_id} has no accepted grouping: accept one of a plan (POST /plans/{{id}}/accept)"
        )
    return context


def _context(session: Session, network_id: int, plan: Plan, rank: int) -> GroupingContext:
    assert plan.id is not None
    if plan.status != PlanStatus.done.value or not plan.result:
        raise Conflict(f"plan {plan.id} is {plan.status}: only a done plan has groupings")
    found = next((g for g in plan.result.get("groupings", []) if g.get("rank") == rank), None)
    if found is None:
        raise NotFound(f"plan {plan.id} has no grouping of rank {rank}")
    current = tenders.get(session, network_id, plan.tender_id)
    tender = dict(plan.problem["tender"]) | {
        "buyer": current.buyer,
        "buyer_siret": current.buyer_siret,
        "title": current.title,
    }
    for name in ("execution_start", "execution_end"):
        tender.setdefault(name, getattr(current, name))
    parties = _parties(session, network_id, plan.problem)
    structures = {}
    for s in plan.problem.get("structures", []):
        info = parties.get(str(s["id"]))
        address = (
            {"address": info.address, "postcode": info.postcode, "commune": info.commune} if info else {}
        )
        structures[str(s["id"])] = dict(s) | {k: v for k, v in address.items() if v}
    return GroupingContext(
        plan_id=plan.id,
        grouping=Grouping.model_validate(found),
        tender=tender,
        parties=parties,
        raw=found,
        structures=structures,
    )
