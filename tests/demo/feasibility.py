"""A plain feasibility check of a demo scenario, independent of the planner's solver.

It asks whether the co-contractors alone (no subcontracting, no staff put at their disposal) can cover
every site within their reach and their capacity per trade, deliver each lot's insertion hours, keep
each ACI's commercial revenue per year below its cap (Code du travail D5132-34), with at most so many
members counted as legal entities (SIREN), a member based in each territory when the options ask for
it and a member able to lead. If they can, the planner has room.
"""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

import pulp

from solver.problem import INTERMEDIARY_KINDS, Lot, PlanningProblem, StructureSpec, TenderKind


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(a))


def co_contractors(problem: PlanningProblem, lot: Lot | None = None) -> list[StructureSpec]:
    """Who may sign for a lot (for the tender's kind when no lot is named): the intermédiaires only in
    staffing, the others elsewhere."""
    kind = problem.tender.lot_kind(lot) if lot is not None else problem.tender.kind
    staffing = kind == TenderKind.staffing
    return [s for s in problem.structures if (s.kind in INTERMEDIARY_KINDS) == staffing]


def reachable(problem: PlanningProblem) -> dict[str, list[StructureSpec]]:
    """Site id -> the co-contractors holding its trade within their maximum distance."""
    out: dict[str, list[StructureSpec]] = {}
    for lot, site in problem.tender.sites():
        out[site.id] = [
            s
            for s in co_contractors(problem, lot)
            if s.capacities.get(lot.trade, 0) > 0
            and haversine_km(site.lat, site.lon, s.lat, s.lon) <= (s.max_distance_km or float("inf"))
        ]
    return out


def coverable(problem: PlanningProblem) -> bool:
    reach = reachable(problem)
    members = {s.id: s for lot in problem.tender.lots for s in co_contractors(problem, lot)}
    model = pulp.LpProblem("demo_feasibility", pulp.LpMinimize)
    x = {
        (site.id, s.id): model.add_variable(f"x_{site.id}_{s.id}", cat="Binary")
        for _, site in problem.tender.sites()
        for s in reach[site.id]
    }
    sirens = {s.siren or s.id for s in members.values()}
    y = {siren: model.add_variable(f"y_{siren}", cat="Binary") for siren in sirens}
    model += pulp.lpSum(x.values())
    for _, site in problem.tender.sites():
        model += pulp.lpSum(x[site.id, s.id] for s in reach[site.id]) == 1
    for (_, sid), var in x.items():
        model += var <= y[members[sid].siren or sid]
    years = problem.tender.execution_years()
    for s in members.values():
        for lot in problem.tender.lots:
            model += pulp.lpSum(
                x[site.id, s.id] * site.hours for site in lot.sites if (site.id, s.id) in x
            ) <= s.capacities.get(lot.trade, 0)
        if s.kind == "ACI" and s.annual_charges_eur is not None:
            revenue = pulp.lpSum(
                x[site.id, s.id] * site.value_eur
                for _, site in problem.tender.sites()
                if (site.id, s.id) in x
            )
            room = s.cap_rate * s.annual_charges_eur - (s.commercial_revenue_eur or 0.0)
            model += revenue <= years * room - 0.01
    for lot in problem.tender.lots:
        model += (
            pulp.lpSum(
                x[site.id, sid] * site.hours * members[sid].insertion
                for site in lot.sites
                for sid in (s.id for s in reach[site.id])
            )
            >= lot.insertion_hours
        )
    if problem.options.max_members is not None:
        model += pulp.lpSum(y.values()) <= problem.options.max_members
    model += pulp.lpSum(y[s.siren or s.id] for s in members.values() if s.can_lead) >= 1
    if problem.options.territorial_presence:
        for territory in {site.territory for _, site in problem.tender.sites()}:
            model += pulp.lpSum(y[s.siren or s.id] for s in members.values() if s.territory == territory) >= 1
    model.solve(pulp.HiGHS(msg=False))
    return bool(pulp.LpStatus[model.status] == "Optimal")
