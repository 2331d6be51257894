"""A starting plan for the engine: nearest member with capacity left, greedily.

HiGHS takes it as its first incumbent, so that even a large tender stopped early has a plan. It keeps
the hard rules it can check cheaply (own capacity, dependence, max members, a mandataire with a site);
when it breaks another one the engine just ignores it.
"""

from __future__ import annotations

from collections import defaultdict

from solver.eligibility import Arc
from solver.model import Model, revenue_cap


def greedy_start(model: Model) -> dict[str, float]:
    elig = model.elig
    o = elig.problem.options
    left = {(e, t): st.capacities.get(t, 0.0) for e, st in elig.members.items() for t in elig.trades}
    revenue: dict[str, float] = defaultdict(float)
    cap = {
        e: c if (c := revenue_cap(elig.problem, st)) is not None else float("inf")
        for e, st in elig.members.items()
    }
    members: set[str] = set(o.required) & set(elig.members)
    assigned: dict[int, str] = {}
    hours: dict[str, float] = defaultdict(float)
    outsourced: dict[str, float] = defaultdict(float)
    supplier_left = {
        (a, t): st.capacities.get(t, 0.0) for a, st in elig.intermediaries.items() for t in elig.trades
    }
    arcs_of: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in model.z:
        arcs_of[arc.member, arc.trade].append(arc)
    sub: dict[Arc, float] = defaultdict(float)
    sigma = o.max_subcontracting_share

    def overflow(k: int, e: str) -> float | None:
        """Hours of site k that member e must subcontract to take it, or None when it cannot."""
        s = elig.sites[k]
        need = max(0.0, s.hours - left[e, s.trade])
        if need == 0:
            return 0.0
        if outsourced[e] + need > sigma * (hours[e] + s.hours) + 1e-9:
            return None
        if sum(supplier_left[a.to, s.trade] for a in arcs_of[e, s.trade]) < need:
            return None
        return need

    def fits(k: int, e: str) -> bool:
        s = elig.sites[k]
        if overflow(k, e) is None or revenue[e] + s.value_eur > cap[e]:
            return False
        return e in members or o.max_members is None or len(members) < o.max_members

    def take(k: int, e: str) -> None:
        s = elig.sites[k]
        need = overflow(k, e) or 0.0
        left[e, s.trade] -= s.hours - need
        outsourced[e] += need
        for arc in arcs_of[e, s.trade]:
            give = min(need, supplier_left[arc.to, s.trade])
            sub[arc] += give
            supplier_left[arc.to, s.trade] -= give
            need -= give
        hours[e] += s.hours
        revenue[e] += s.value_eur
        members.add(e)
        assigned[k] = e

    leaders = [e for e in model.m if e in elig.by_member]
    if not leaders:
        return {}
    leader = max(leaders, key=lambda e: sum(elig.sites[k].hours for k in elig.by_member[e]))
    order = sorted(elig.by_member[leader], key=lambda k: elig.pairs[k, leader])
    first = next((k for k in order if fits(k, leader)), None)
    if first is None:
        return {}
    take(first, leader)
    for s in sorted(elig.sites, key=lambda s: -s.hours):
        if s.index in assigned:
            continue
        # members already in first, then the nearest: fewer members, shorter trips
        for e in sorted(elig.by_site[s.index], key=lambda e: (e not in members, elig.pairs[s.index, e])):
            if fits(s.index, e):
                take(s.index, e)
                break
    values = {v.name: 0.0 for v in model.prob.variables()}
    for (k, e), x in model.x.items():
        values[x.name] = 1.0 if assigned.get(k) == e else 0.0
    for e, y in model.y.items():
        values[y.name] = 1.0 if e in members else 0.0
    values[model.m[leader].name] = 1.0
    for arc, z in model.z.items():
        values[z.name] = sub[arc]
    for k, u in model.uncovered.items():
        values[u.name] = 0.0 if k in assigned else 1.0
    based = {elig.members[e].territory for e in members}
    for territory, gap in model.territory_gap.items():
        values[gap.name] = 0.0 if territory in based else 1.0
    if model.spread is not None:
        ratios = [(hours[e] - outsourced[e]) / elig.tender_capacity(elig.members[e]) for e in members]
        values[model.spread[0].name], values[model.spread[1].name] = max(ratios), min(ratios)
    return values
