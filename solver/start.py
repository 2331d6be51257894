"""A starting plan for the engine: nearest member with capacity left, greedily.

HiGHS takes it as its first incumbent, so that even a large tender stopped early has a plan. It keeps
the hard rules it can check cheaply (own capacity of each legal entity, staff put at disposal within
the intermédiaires' capacity and the AI's 480 h towards a company, dependence and the ACI rule, max
members, no new member after the award, a mandataire with a site); it subcontracts nothing. When it
breaks another rule the engine just ignores it.
"""

from __future__ import annotations

from collections import defaultdict

from solver.eligibility import Arc
from solver.model import Model, aci_cap, after_award_members, ai_company_cap, dependence_cap
from solver.problem import StructureKind


def greedy_start(model: Model) -> dict[str, float]:
    elig = model.elig
    o = elig.problem.options
    of = elig.entity_of
    left = {(E, t): elig.entity_capacity(E, t) for E in elig.entities for t in elig.trades}
    revenue: dict[str, float] = defaultdict(float)  # per entity, and per ACI structure
    own_revenue: dict[str, float] = defaultdict(float)
    inf = float("inf")
    cap = {}
    for E, structures in elig.entities.items():
        c = dependence_cap(elig.problem, sum(elig.members[e].annual_turnover_eur for e in structures))
        cap[E] = c if c is not None else inf
    aci = {e: c if (c := aci_cap(elig.problem, st)) is not None else inf for e, st in elig.members.items()}
    frozen = after_award_members(elig)
    members: set[str] = {of(e) for e in o.required if e in elig.entity}
    assigned: dict[int, str] = {}
    supplier_left = {
        (a, t): st.capacities.get(t, 0.0) for a, st in elig.intermediaries.items() for t in elig.trades
    }
    company_left: dict[tuple[str, str], float] = {}
    arcs_of: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in model.z:
        arcs_of[arc.member, arc.lot].append(arc)
    staffed: dict[Arc, float] = defaultdict(float)

    def room(arc: Arc) -> float:
        free = supplier_left[arc.to, arc.trade]
        if (
            elig.intermediaries[arc.to].kind == StructureKind.AI
            and elig.members[of(arc.member)].form == "company"
        ):
            key = (arc.to, of(arc.member))
            free = min(free, company_left.setdefault(key, ai_company_cap(elig, arc.to)))
        return max(0.0, free)

    def overflow(k: int, e: str) -> float | None:
        """Hours of site k that staff put at e's disposal must do for e to take it, or None."""
        s = elig.sites[k]
        need = max(0.0, s.hours - left[of(e), s.trade])
        if need == 0:
            return 0.0
        if sum(room(a) for a in arcs_of[e, s.lot]) < need - 1e-9:
            return None
        return need

    def fits(k: int, e: str) -> bool:
        s = elig.sites[k]
        E = of(e)
        if frozen is not None and E not in frozen:
            return False
        if (
            overflow(k, e) is None
            or revenue[E] + s.value_eur > cap[E]
            or own_revenue[e] + s.value_eur > aci[e]
        ):
            return False
        return E in members or o.max_members is None or len(members) < o.max_members

    def take(k: int, e: str) -> None:
        s = elig.sites[k]
        E = of(e)
        need = overflow(k, e) or 0.0
        left[E, s.trade] -= s.hours - need
        for arc in arcs_of[e, s.lot]:
            give = min(need, room(arc))
            if give <= 0:
                continue
            staffed[arc] += give
            supplier_left[arc.to, arc.trade] -= give
            if (arc.to, E) in company_left:
                company_left[arc.to, E] -= give
            need -= give
        revenue[E] += s.value_eur
        own_revenue[e] += s.value_eur
        members.add(E)
        assigned[k] = e

    leaders = [E for E in model.m if any(e in elig.by_member for e in elig.entities[E])]
    if frozen is not None:
        leaders = [E for E in leaders if E in frozen]
    if not leaders:
        return {}

    def reach(E: str) -> float:
        return sum(elig.sites[k].hours for e in elig.entities[E] for k in elig.by_member.get(e, []))

    leader = max(leaders, key=reach)
    order = sorted(
        ((k, e) for e in elig.entities[leader] for k in elig.by_member.get(e, [])),
        key=lambda p: elig.pairs[p],
    )
    first = next(((k, e) for k, e in order if fits(k, e)), None)
    if first is None:
        return {}
    take(*first)
    for s in sorted(elig.sites, key=lambda s: -s.hours):
        if s.index in assigned:
            continue
        # members already in first, then the nearest: fewer members, shorter trips
        for e in sorted(elig.by_site[s.index], key=lambda e: (of(e) not in members, elig.pairs[s.index, e])):
            if fits(s.index, e):
                take(s.index, e)
                break
    values = {v.name: 0.0 for v in model.prob.variables()}
    for (k, e), x in model.x.items():
        values[x.name] = 1.0 if assigned.get(k) == e else 0.0
    for E, y in model.y.items():
        values[y.name] = 1.0 if E in members else 0.0
    values[model.m[leader].name] = 1.0
    if model.count is not None:
        values[model.count.name] = float(len(members))
    for arc, z in model.z.items():
        values[z.name] = staffed[arc]
    for k, u in model.uncovered.items():
        values[u.name] = 0.0 if k in assigned else 1.0
    based = {elig.members[e].territory for E in members for e in elig.entities[E]}
    for territory, gap in model.territory_gap.items():
        values[gap.name] = 0.0 if territory in based else 1.0
    for lot_id, short in model.shortfall.items():
        done = sum(
            elig.sites[k].hours * elig.members[e].insertion
            for k, e in assigned.items()
            if elig.sites[k].lot == lot_id
        )
        done += sum(h * (1 - elig.members[a.member].insertion) for a, h in staffed.items() if a.lot == lot_id)
        values[short.name] = max(0.0, elig.lot(lot_id).insertion_hours - done)
    if model.spread is not None:
        own: dict[str, float] = defaultdict(float)
        for k, e in assigned.items():
            own[of(e)] += elig.sites[k].hours
        for arc, h in staffed.items():
            own[of(arc.member)] -= h
        ratios = [own[E] / elig.entity_tender_capacity(E) for E in members]
        values[model.spread[0].name], values[model.spread[1].name] = max(ratios), min(ratios)
    return values
