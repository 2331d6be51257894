"""Equalising the members' load ratios through the staff put at their disposal, with the sites, the
members and the sous-traitance held fixed.

Hours put at disposal by AI/ETTI (mise à disposition) are continuous: within the intermédiaires'
capacity and the AI's 480 h towards a company (Code du travail L5132-9) they lower a member's own hours
by any amount, and so its load ratio. With the assignments, the members, the mandataire and the
subcontracted hours fixed, the rest of the model is a small linear programme with no big-M:

    min  w_balance · (U − L) − w_staffing · Σ z ÷ total hours + insertion shortfall penalties
    s.t. every rule of the model on z (own capacity per legal entity and trade, own hours ≥ 0 per
         structure and lot, intermédiaires' capacity, 480 h cap, clause sociale), U ≥ ratio_E ≥ L.

Staff put at disposal is the member's own cost: revenue, shares and dependence do not move with z.
Its optimum never costs more than the plan it starts from (that plan's z is feasible), and when the
spread reaches 0 at the same hours put at disposal, the plan is as good as the best plan ignoring
fairness: the first stage's bound then certifies it.
"""

from __future__ import annotations

from collections import defaultdict

import pulp

from solver import engine
from solver.eligibility import Arc, Eligibility, SubArc
from solver.model import Model, ai_company_cap, ai_to_company, label, scales


def equalise(built: Model, time_limit: float) -> bool:
    """Re-spread the staffing hours of the plan held in `built`'s variables; True when it changed
    them (the variables then hold the new hours). Assignments, members, mandataire and sous-traitance
    stay."""
    if not built.z or built.elig.problem.options.weights.balance <= 0:
        return False
    assignments = {k: e for (k, e), x in built.x.items() if (x.varValue or 0.0) > 0.5}
    upper = {arc: float(z.upBound or 0.0) for arc, z in built.z.items()}
    subbed = {a: float(w.varValue or 0.0) for a, w in built.w.items() if (w.varValue or 0.0) > 1e-9}
    found = spread_subcontracting(built.elig, built.scales.hours, assignments, upper, time_limit, subbed)
    if found is None:
        return False
    for arc, var in built.z.items():
        var.varValue = found.get(arc, 0.0)
    return True


def spread_subcontracting(
    elig: Eligibility,
    total_hours: float,
    assignments: dict[int, str],
    upper: dict[Arc, float],
    time_limit: float,
    subcontracts: dict[SubArc, float] | None = None,
) -> dict[Arc, float] | None:
    """The staffing hours (per arc) that minimise the weighted spread minus the staffing reward plus
    the insertion shortfall penalties, for these assignments (site index -> structure) and
    subcontracted hours; None when the engine found nothing."""
    o = elig.problem.options
    w = o.weights
    of = elig.entity_of
    subbed = subcontracts or {}
    entities = sorted({of(e) for e in assignments.values()})
    if len(entities) < 2 or not upper:
        return None
    part: dict[tuple[str, str], float] = defaultdict(float)  # (structure, lot) -> hours
    own: dict[tuple[str, str], float] = defaultdict(float)  # (entity, trade) -> hours before MAD
    for k, e in assignments.items():
        s = elig.sites[k]
        part[e, s.lot] += s.hours
        own[of(e), s.trade] += s.hours
    for sub, h in subbed.items():
        part[sub.member, sub.lot] -= h
        own[of(sub.member), sub.trade] -= h
    arcs = [a for a in upper if part.get((a.member, a.lot), 0.0) > 0 and of(a.member) in entities]

    prob = pulp.LpProblem("equalise", pulp.LpMinimize)
    z = {arc: prob.add_variable(f"z_{i}", lowBound=0, upBound=upper[arc]) for i, arc in enumerate(arcs)}
    high = prob.add_variable("load_max", lowBound=0, upBound=1)
    low = prob.add_variable("load_min", lowBound=0, upBound=1)
    prob += high - low >= 0, "spread"
    by_entity_trade: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    by_part: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in z:
        by_entity_trade[of(arc.member), arc.trade].append(arc)
        by_part[arc.member, arc.lot].append(arc)
    for (E, t), hours in own.items():
        if by_entity_trade[E, t]:
            mad = pulp.lpSum(z[a] for a in by_entity_trade[E, t])
            prob += hours - mad <= elig.entity_capacity(E, t), f"capacity_{label(E)}_{label(t)}"
    for (e, lot_id), arcs_here in by_part.items():
        prob += (
            pulp.lpSum(z[a] for a in arcs_here) <= part[e, lot_id],
            f"own_hours_{label(e)}_{label(lot_id)}",
        )
    for E in entities:
        mad = pulp.lpSum(z[a] for a in z if of(a.member) == E)
        hours = sum(h for (x, _), h in own.items() if x == E)
        ratio = (hours - mad) * (1.0 / elig.entity_tender_capacity(E))
        prob += ratio - high <= 0, f"load_max_{label(E)}"
        prob += low - ratio <= 0, f"load_min_{label(E)}"
    by_supplier: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in z:
        by_supplier[arc.to, arc.trade].append(arc)
    for (a, t), supplied in by_supplier.items():
        prob += (
            pulp.lpSum(z[arc] for arc in supplied) <= elig.intermediaries[a].capacities[t],
            (f"supplier_{label(a)}_{label(t)}"),
        )
    for (a, E), supplied in ai_to_company(elig, list(z)).items():
        prob += (
            pulp.lpSum(z[arc] for arc in supplied) <= ai_company_cap(elig, a),
            f"ai_480h_{label(a)}_{label(E)}",
        )
    penalty = scales(elig).insertion
    shortfall = []
    for lot in elig.problem.tender.lots:
        if lot.insertion_hours <= 0:
            continue
        done = sum(
            elig.sites[k].hours * elig.members[e].insertion
            for k, e in assignments.items()
            if elig.sites[k].lot == lot.id
        )
        done -= sum(h * elig.members[s.member].insertion for s, h in subbed.items() if s.lot == lot.id)
        short = prob.add_variable(f"short_{label(lot.id)}", lowBound=0)
        mad = pulp.lpSum(z[a] * (1.0 - elig.members[a.member].insertion) for a in z if a.lot == lot.id)
        prob += done + mad + short >= lot.insertion_hours, f"insertion_{label(lot.id)}"
        shortfall.append(penalty[lot.id] * short)
    prob.setObjective(
        w.balance * (high - low) - (w.staffing / total_hours) * pulp.lpSum(z.values()) + pulp.lpSum(shortfall)
    )
    outcome = engine.solve(prob, engine="highs", time_limit=time_limit, gap_rel=1e-9, threads=o.threads)
    if not outcome.has_solution:
        return None
    return {arc: float(var.varValue or 0.0) for arc, var in z.items() if (var.varValue or 0.0) > 1e-9}
