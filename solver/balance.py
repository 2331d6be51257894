"""Equalising the members' load ratios through subcontracting, with the sites and members held fixed.

Subcontracted hours are continuous: within a member's `max_subcontracting_share` and the intermédiaires'
capacity they lower its own hours by any amount, and so its load ratio. With the assignments, the
members and the mandataire fixed, the rest of the model (spread and subcontracting) is a small linear
programme with no big-M:

    min  w_balance · (U − L) − w_subcontracting · Σ z ÷ total hours
    s.t. every rule of the model on z (own capacity per trade, share σ, intermédiaires' capacity,
         minimum share and dependence on revenue), U ≥ ratio_e ≥ L for each member e.

Its optimum never costs more than the plan it starts from (that plan's z is feasible), and when the
spread reaches 0 at the same subcontracted hours, the plan is as good as the best plan ignoring
fairness: the first stage's bound then certifies it.
"""

from __future__ import annotations

from collections import defaultdict

import pulp

from solver import engine
from solver.eligibility import Arc, Eligibility
from solver.model import Model, label, revenue_cap


def equalise(built: Model, time_limit: float) -> bool:
    """Re-spread the subcontracted hours of the plan held in `built`'s variables; True when it changed
    them (the variables then hold the new hours). Assignments, members and mandataire stay."""
    if not built.z or built.elig.problem.options.weights.balance <= 0:
        return False
    assignments = {k: e for (k, e), x in built.x.items() if (x.varValue or 0.0) > 0.5}
    upper = {arc: float(z.upBound or 0.0) for arc, z in built.z.items()}
    found = spread_subcontracting(built.elig, built.scales.hours, assignments, upper, time_limit)
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
) -> dict[Arc, float] | None:
    """The subcontracted hours (per arc) that minimise the weighted spread minus the subcontracting
    reward, for these assignments (site index -> member); None when the engine found nothing."""
    o = elig.problem.options
    w = o.weights
    members = sorted(set(assignments.values()))
    if len(members) < 2 or not upper:
        return None
    hours: dict[tuple[str, str], float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    trades: dict[str, set[str]] = defaultdict(set)
    for k, e in assignments.items():
        hours[e, elig.sites[k].trade] += elig.sites[k].hours
        value[e] += elig.sites[k].value_eur
        trades[e].add(elig.sites[k].trade)
    arcs_of: dict[str, list[Arc]] = defaultdict(list)
    for arc in upper:
        if hours.get((arc.member, arc.trade), 0.0) > 0:
            arcs_of[arc.member].append(arc)

    prob = pulp.LpProblem("equalise", pulp.LpMinimize)
    z = {
        arc: prob.add_variable(f"z_{i}", lowBound=0, upBound=upper[arc])
        for i, arc in enumerate(a for e in members for a in arcs_of[e])
    }
    high = prob.add_variable("load_max", lowBound=0, upBound=1)
    low = prob.add_variable("load_min", lowBound=0, upBound=1)
    sigma = o.max_subcontracting_share
    rate = elig.eur_per_hour
    for e in members:
        st = elig.members[e]
        name = label(e)
        own_total = sum(hours[e, t] for t in trades[e])
        for t in sorted(trades[e]) if arcs_of[e] else []:
            out = pulp.lpSum(z[a] for a in arcs_of[e] if a.trade == t)
            prob += hours[e, t] - out <= st.capacities.get(t, 0.0), f"capacity_{name}_{label(t)}"
            prob += hours[e, t] - out >= 0, f"own_hours_{name}_{label(t)}"
        outsourced = pulp.lpSum(z[a] for a in arcs_of[e])
        revenue = value[e] - pulp.lpSum(rate[a.trade] * z[a] for a in arcs_of[e])
        # a member that cannot subcontract keeps its plan's figures: only its ratio enters
        if arcs_of[e]:
            prob += outsourced <= sigma * own_total, f"subcontract_share_{name}"
        if arcs_of[e] and o.min_member_share > 0 and elig.total_value > 0:
            prob += revenue >= o.min_member_share * elig.total_value, f"min_share_{name}"
        cap = revenue_cap(elig.problem, st)
        if arcs_of[e] and cap is not None:
            prob += revenue <= cap, f"dependence_{name}"
        ratio = (own_total - outsourced) * (1.0 / elig.tender_capacity(st))
        prob += ratio - high <= 0, f"load_max_{name}"
        prob += low - ratio <= 0, f"load_min_{name}"
    by_supplier: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in z:
        by_supplier[arc.to, arc.trade].append(arc)
    for (a, t), arcs in by_supplier.items():
        cap_a = elig.intermediaries[a].capacities[t]
        prob += pulp.lpSum(z[arc] for arc in arcs) <= cap_a, f"supplier_{label(a)}_{label(t)}"
    prob.setObjective(w.balance * (high - low) - (w.staffing / total_hours) * pulp.lpSum(z.values()))
    outcome = engine.solve(prob, engine="highs", time_limit=time_limit, gap_rel=1e-9, threads=o.threads)
    if not outcome.has_solution:
        return None
    return {arc: float(var.varValue or 0.0) for arc, var in z.items() if (var.varValue or 0.0) > 1e-9}
