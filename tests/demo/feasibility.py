"""A plain feasibility check of a demo scenario, independent of the planner's solver.

It asks whether the co-contractors alone (no subcontracting) can cover every site within their reach,
their capacity per trade and the cap on an ACI's dependence on the tender, with a member based in each
territory when the options ask for it and a member able to lead. If they can, the planner has room.
"""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

import pulp

from solver.problem import INTERMEDIARY_KINDS, PlanningProblem, StructureSpec, TenderKind


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(a))


def co_contractors(problem: PlanningProblem) -> list[StructureSpec]:
    staffing = problem.tender.kind == TenderKind.staffing
    return [s for s in problem.structures if (s.kind in INTERMEDIARY_KINDS) == staffing]


def reachable(problem: PlanningProblem) -> dict[str, list[StructureSpec]]:
    """Site id -> the co-contractors holding its trade within their maximum distance."""
    out: dict[str, list[StructureSpec]] = {}
    for lot, site in problem.tender.sites():
        out[site.id] = [
            s
            for s in co_contractors(problem)
            if s.capacities.get(lot.trade, 0) > 0
            and haversine_km(site.lat, site.lon, s.lat, s.lon) <= (s.max_distance_km or float("inf"))
        ]
    return out


def coverable(problem: PlanningProblem) -> bool:
    reach = reachable(problem)
    members = co_contractors(problem)
    model = pulp.LpProblem("demo_feasibility", pulp.LpMinimize)
    x = {
        (site.id, s.id): model.add_variable(f"x_{site.id}_{s.id}", cat="Binary")
        for _, site in problem.tender.sites()
        for s in reach[site.id]
    }
    y = {s.id: model.add_variable(f"y_{s.id}", cat="Binary") for s in members}
    model += pulp.lpSum(x.values())
    for _, site in problem.tender.sites():
        model += pulp.lpSum(x[site.id, s.id] for s in reach[site.id]) == 1
    for (_, sid), var in x.items():
        model += var <= y[sid]
    for s in members:
        for lot in problem.tender.lots:
            model += pulp.lpSum(
                x[site.id, s.id] * site.hours for site in lot.sites if (site.id, s.id) in x
            ) <= s.capacities.get(lot.trade, 0)
        if s.kind == "ACI" and s.annual_charges_eur is not None:
            # Code du travail D5132-34: commercial revenue per year below the cap rate × charges
            room = max(0.0, s.cap_rate * s.annual_charges_eur - (s.commercial_revenue_eur or 0.0))
            model += (
                pulp.lpSum(
                    x[site.id, s.id] * site.value_eur
                    for _, site in problem.tender.sites()
                    if (site.id, s.id) in x
                )
                <= room * problem.tender.execution_years()
            )
    if problem.options.max_members is not None:
        model += pulp.lpSum(y.values()) <= problem.options.max_members
    model += pulp.lpSum(y[s.id] for s in members if s.can_lead) >= 1
    if problem.options.territorial_presence:
        for territory in {site.territory for _, site in problem.tender.sites()}:
            model += pulp.lpSum(y[s.id] for s in members if s.territory == territory) >= 1
    model.solve(pulp.HiGHS(msg=False))
    return bool(pulp.LpStatus[model.status] == "Optimal")
