"""Read a grouping back from a solved model, and recompute its figures from the decisions alone.

A member is a legal entity (SIREN): its figures add up those of its structures. Member figures:
`hours` = hours of its sites; `own_hours` = hours − hours put at its disposal by AI/ETTI − hours it
subcontracts (what its own staff do); `revenue_eur` = value of its sites − value it subcontracts
(subcontracted hours × the lot's € per hour, the lot's value ÷ its hours; the buyer pays the
sous-traitant directly, loi 75-1334 art. 6); `tender_share` = revenue ÷ the tender's value;
`turnover_share` = revenue per year of execution ÷ annual turnover (none when the turnover is 0);
`load_ratio` = own hours ÷ capacity in the tender's trades; `mean_distance_km` = hour-weighted mean
distance from its structures to their sites.

Staffing lines (mise à disposition): value = hours × the intermédiaire's `mad_rate_eur_per_hour` (the
lot's € per hour when not recorded); `vat_rate` 0 for an AI (CGI 261-7-1° bis), 0.2 for an ETTI.
Insertion delivered on a lot = Σ own hours on the lot × the structure's `insertion_rate` + Σ hours put at
disposal on the lot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from solver.eligibility import Arc, Eligibility, SubArc
from solver.model import SUBCONTRACTING_COST, Model, Scales
from solver.plan import Assignment, Grouping, Insertion, Member, Move, Staffing, Subcontract, Terms
from solver.problem import StructureKind

ETTI_VAT = 0.2  # an ETTI's invoices bear VAT; an AI's do not (CGI 261-7-1° bis)


@dataclass(frozen=True)
class Solution:
    """A grouping as decisions: site -> structure, mandataire (an entity), MAD hours per arc, sous-traitance
    hours per arc, member entities."""

    assignments: dict[int, str]
    mandataire: str
    staffing: dict[Arc, float]
    members: frozenset[str]
    subcontracts: dict[SubArc, float] = field(default_factory=dict)


def read_solution(model: Model) -> Solution:
    elig = model.elig
    assignments = {k: e for (k, e), x in model.x.items() if (x.varValue or 0.0) > 0.5}
    members = frozenset(e for e, y in model.y.items() if (y.varValue or 0.0) > 0.5) | frozenset(
        elig.entity_of(e) for e in assignments.values()
    )
    mandataire = max(model.m, key=lambda e: model.m[e].varValue or 0.0)
    staffing = {}
    for arc, z in model.z.items():
        hours = round(z.varValue or 0.0, 6)
        if hours > 1e-6 and elig.entity_of(arc.member) in members:
            staffing[arc] = hours
    subcontracts = {}
    for sub, w in model.w.items():
        hours = round(w.varValue or 0.0, 6)
        if hours > 1e-6 and elig.entity_of(sub.member) in members:
            subcontracts[sub] = hours
    return Solution(assignments, mandataire, staffing, members, subcontracts)


def penalties(elig: Eligibility, scales: Scales, solution: Solution) -> tuple[float, list[str], list[Move]]:
    """Penalty part of the objective, the territories left without a member, and the moved sites."""
    total = sum(scales.uncovered[s.index] for s in elig.sites if s.index not in solution.assignments)
    missing: list[str] = []
    options = elig.problem.options
    if options.territorial_presence:
        based = {elig.members[e].territory for m in solution.members for e in elig.entities[m]}
        with_candidates = {st.territory for st in elig.members.values()}
        for territory in sorted({s.territory for s in elig.sites if s.territory}):
            if territory not in based:
                missing.append(territory)
                if territory in with_candidates:
                    total += scales.territory
    for lot in elig.problem.tender.lots:
        if lot.id in scales.insertion:
            short = max(0.0, lot.insertion_hours - delivered(elig, solution, lot.id))
            total += scales.insertion[lot.id] * short
    moves: list[Move] = []
    if options.baseline is not None:
        for site in elig.sites:
            before = options.baseline.assignments.get(site.id)
            now = solution.assignments.get(site.index)
            if before is not None and now != before:
                moves.append(Move(site=site.id, from_=before, to=now))
        total += scales.move * len(moves)
        kept = options.baseline.mandataire
        can_stay = kept is not None and kept in elig.members and elig.members[kept].can_lead
        if kept is not None and can_stay and solution.mandataire != elig.entity_of(kept):
            total += scales.move
    return total, missing, moves


def delivered(elig: Eligibility, solution: Solution, lot: str) -> float:
    """Insertion hours delivered on a lot."""
    hours = sum(
        elig.sites[k].hours * elig.members[e].insertion
        for k, e in solution.assignments.items()
        if elig.sites[k].lot == lot
    )
    hours += sum(
        h * (1.0 - elig.members[a.member].insertion) for a, h in solution.staffing.items() if a.lot == lot
    )
    hours -= sum(
        h * elig.members[a.member].insertion for a, h in solution.subcontracts.items() if a.lot == lot
    )
    return hours


def mad_rate(elig: Eligibility, arc: Arc) -> float:
    rate = elig.intermediaries[arc.to].mad_rate_eur_per_hour
    return rate if rate is not None else elig.lot_rate[arc.lot]


def grouping(elig: Eligibility, scales: Scales, solution: Solution, rank: int) -> tuple[Grouping, list[str]]:
    sites = elig.sites
    of = elig.entity_of
    hours: dict[str, float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    hour_km: dict[str, float] = defaultdict(float)
    assignments = []
    for k, e in sorted(solution.assignments.items()):
        d = elig.pairs[k, e]
        hours[of(e)] += sites[k].hours
        value[of(e)] += sites[k].value_eur
        hour_km[of(e)] += sites[k].hours * d
        assignments.append(Assignment(site=sites[k].id, structure=e, distance_km=round(d, 3)))
    staffed: dict[str, float] = defaultdict(float)
    staffing_lines: dict[tuple[str, str, str], float] = defaultdict(float)
    for arc, h in solution.staffing.items():
        staffed[of(arc.member)] += h
        staffing_lines[arc.to, arc.member, arc.lot] += h
    staffing = []
    for (a, to, lot_id), h in sorted(staffing_lines.items()):
        rate = mad_rate(elig, Arc(to, a, "", lot_id))
        staffing.append(
            Staffing(
                from_=a,
                to=to,
                lot=lot_id,
                trade=elig.lot(lot_id).trade,
                hours=round(h, 6),
                value_eur=round(h * rate, 2),
                vat_rate=0.0 if elig.intermediaries[a].kind == StructureKind.AI else ETTI_VAT,
            )
        )
    out_hours: dict[str, float] = defaultdict(float)
    out_value: dict[str, float] = defaultdict(float)
    sub_lines: dict[tuple[str, str, str], float] = defaultdict(float)
    for sub, h in solution.subcontracts.items():
        out_hours[of(sub.member)] += h
        out_value[of(sub.member)] += h * elig.lot_rate[sub.lot]
        sub_lines[sub.member, sub.to, sub.lot] += h
    subcontracts = [
        Subcontract(
            from_=e,
            to=f,
            lot=lot_id,
            trade=elig.lot(lot_id).trade,
            hours=round(h, 6),
            value_eur=round(h * elig.lot_rate[lot_id], 2),
        )
        for (e, f, lot_id), h in sorted(sub_lines.items())
    ]
    total_value = elig.total_value
    years = elig.problem.tender.execution_years()
    members = []
    for entity in sorted(solution.members, key=lambda e: (e != solution.mandataire, e)):
        structures = elig.entities[entity]
        own = hours[entity] - staffed[entity] - out_hours[entity]
        revenue = value[entity] - out_value[entity]
        turnover = sum(elig.members[e].annual_turnover_eur for e in structures)
        members.append(
            Member(
                structure=entity,
                siren=elig.siren(entity),
                structures=list(structures),
                role="mandataire" if entity == solution.mandataire else "co-traitant",
                hours=hours[entity],
                own_hours=round(own, 6),
                revenue_eur=round(revenue, 2),
                tender_share=revenue / total_value if total_value > 0 else 0.0,
                turnover_share=revenue / years / turnover if turnover > 0 else None,
                load_ratio=own / elig.entity_tender_capacity(entity),
                mean_distance_km=hour_km[entity] / hours[entity] if hours[entity] > 0 else 0.0,
            )
        )
    insertion = [
        Insertion(
            lot=lot.id, required=lot.insertion_hours, delivered=round(delivered(elig, solution, lot.id), 6)
        )
        for lot in elig.problem.tender.lots
        if lot.insertion_hours > 0
    ]
    ratios = [m.load_ratio for m in members]
    terms = Terms(
        distance_hour_km=sum(hour_km.values()),
        balance_spread=max(ratios) - min(ratios) if ratios else 0.0,
        members=len(members),
        subcontracted_hours=sum(out_hours.values()),
        staffing_hours=sum(staffed.values()),
        insertion_hours=sum(delivered(elig, solution, lot.id) for lot in elig.problem.tender.lots),
    )
    penalty, missing, moves = penalties(elig, scales, solution)
    uncovered = [s.id for s in sites if s.index not in solution.assignments]
    return (
        Grouping(
            rank=rank,
            objective=weighted(elig, scales, terms) + penalty,
            # the members' choice (CCP R2142-20); one enterprise alone is a candidat individuel
            form=elig.problem.options.groupement_form if len(members) > 1 else "individuel",
            terms=terms,
            mandataire=solution.mandataire,
            members=members,
            assignments=assignments,
            staffing=staffing,
            subcontracts=subcontracts,
            insertion=insertion,
            uncovered=uncovered,
            moved=moves,
        ),
        missing,
    )


def weighted(elig: Eligibility, scales: Scales, terms: Terms) -> float:
    """The terms normalised and weighted, as in the model's objective (see `solver.model`)."""
    w = elig.problem.options.weights
    return (
        w.distance * terms.distance_hour_km / scales.hours_km
        + w.balance * terms.balance_spread
        + w.members * terms.members / scales.members
        - w.staffing * terms.staffing_hours / scales.hours
        + SUBCONTRACTING_COST * terms.subcontracted_hours / scales.hours
    )
