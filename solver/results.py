"""Read a grouping back from a solved model, and recompute its terms from the assignments alone.

Member figures: `hours` = hours of its sites; `own_hours` = hours − hours it subcontracts;
`revenue_eur` = value of its sites − value it subcontracts (subcontracted hours × the trade's € per hour
in this tender, i.e. the value of the trade's sites ÷ their hours); `tender_share` = revenue ÷ the
tender's value; `turnover_share` = revenue ÷ annual turnover (none when the turnover is 0);
`load_ratio` = own hours ÷ capacity in the tender's trades; `mean_distance_km` = hour-weighted mean
distance from the member to its sites.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from solver.eligibility import Eligibility
from solver.model import Model, Scales
from solver.plan import Assignment, Grouping, Member, Move, Subcontract, Terms


@dataclass(frozen=True)
class Solution:
    """A grouping as decisions: site -> structure, mandataire, (member, intermédiaire, trade) -> hours."""

    assignments: dict[int, str]
    mandataire: str
    subcontracts: dict[tuple[str, str, str], float]
    members: frozenset[str]


def read_solution(model: Model) -> Solution:
    assignments = {k: e for (k, e), x in model.x.items() if (x.varValue or 0.0) > 0.5}
    members = frozenset(e for e, y in model.y.items() if (y.varValue or 0.0) > 0.5) | frozenset(
        assignments.values()
    )
    mandataire = max(model.m, key=lambda e: model.m[e].varValue or 0.0)
    subcontracts = {}
    for arc, z in model.z.items():
        hours = round(z.varValue or 0.0, 6)
        if hours > 1e-6 and arc.member in members:
            subcontracts[arc.member, arc.to, arc.trade] = hours
    return Solution(assignments, mandataire, subcontracts, members)


def penalties(elig: Eligibility, scales: Scales, solution: Solution) -> tuple[float, list[str], list[Move]]:
    """Penalty part of the objective, the territories left without a member, and the moved sites."""
    total = sum(scales.uncovered[s.index] for s in elig.sites if s.index not in solution.assignments)
    missing: list[str] = []
    options = elig.problem.options
    if options.territorial_presence:
        based = {elig.members[e].territory for e in solution.members}
        with_candidates = {st.territory for st in elig.members.values()}
        for territory in sorted({s.territory for s in elig.sites if s.territory}):
            if territory not in based:
                missing.append(territory)
                if territory in with_candidates:
                    total += scales.territory
    moves: list[Move] = []
    if options.baseline is not None:
        for site in elig.sites:
            before = options.baseline.assignments.get(site.id)
            now = solution.assignments.get(site.index)
            if before is not None and now != before:
                moves.append(Move(site=site.id, from_=before, to=now))
        total += scales.move * len(moves)
        kept = options.baseline.mandataire
        if (
            kept is not None
            and kept in elig.members
            and elig.members[kept].can_lead
            and solution.mandataire != kept
        ):
            total += scales.move
    return total, missing, moves


def grouping(elig: Eligibility, scales: Scales, solution: Solution, rank: int) -> tuple[Grouping, list[str]]:
    sites, rate = elig.sites, elig.eur_per_hour
    hours: dict[str, float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    hour_km: dict[str, float] = defaultdict(float)
    assignments = []
    for k, e in sorted(solution.assignments.items()):
        d = elig.pairs[k, e]
        hours[e] += sites[k].hours
        value[e] += sites[k].value_eur
        hour_km[e] += sites[k].hours * d
        assignments.append(Assignment(site=sites[k].id, structure=e, distance_km=round(d, 3)))
    out_hours: dict[str, float] = defaultdict(float)
    out_value: dict[str, float] = defaultdict(float)
    subcontracts = []
    for (e, a, t), h in sorted(solution.subcontracts.items()):
        out_hours[e] += h
        out_value[e] += h * rate[t]
        subcontracts.append(Subcontract(from_=e, to=a, trade=t, hours=h, value_eur=round(h * rate[t], 2)))
    total_value = elig.total_value
    members = []
    for e in sorted(solution.members, key=lambda e: (e != solution.mandataire, e)):
        st = elig.members[e]
        own = hours[e] - out_hours[e]
        revenue = value[e] - out_value[e]
        members.append(
            Member(
                structure=e,
                siren=st.siren,
                structures=[e],
                role="mandataire" if e == solution.mandataire else "co-traitant",
                hours=hours[e],
                own_hours=round(own, 6),
                revenue_eur=round(revenue, 2),
                tender_share=revenue / total_value if total_value > 0 else 0.0,
                turnover_share=revenue / st.annual_turnover_eur if st.annual_turnover_eur > 0 else None,
                load_ratio=own / elig.tender_capacity(st),
                mean_distance_km=hour_km[e] / hours[e] if hours[e] > 0 else 0.0,
            )
        )
    ratios = [m.load_ratio for m in members]
    terms = Terms(
        distance_hour_km=sum(hour_km.values()),
        balance_spread=max(ratios) - min(ratios) if ratios else 0.0,
        members=len(members),
        subcontracted_hours=sum(out_hours.values()),
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
            subcontracts=subcontracts,
            uncovered=uncovered,
            moved=moves,
        ),
        missing,
    )


def weighted(elig: Eligibility, scales: Scales, terms: Terms) -> float:
    """The four terms normalised and weighted, as in the model's objective (see `solver.model`)."""
    w = elig.problem.options.weights
    return (
        w.distance * terms.distance_hour_km / scales.hours_km
        + w.balance * terms.balance_spread
        + w.members * terms.members / scales.members
        - w.staffing * terms.subcontracted_hours / scales.hours
    )
