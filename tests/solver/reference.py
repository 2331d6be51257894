"""An independent reference for the tests: builds tiny problems and solves them by enumeration.

It implements the rules and the normalisation as written in solver/README.md, without importing the
model, so that a test compares the planner with the rules, not with itself.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from solver.problem import PlanningProblem, StructureSpec

PAINT = "peinture-revetement-des-murs"
CLEAN = "nettoyage-de-locaux-16"
R = 6371.0
CO_CONTRACTORS = {
    "works": {"EI", "ACI", "EITI"},
    "services": {"EI", "ACI", "EITI"},
    "staffing": {"AI", "ETTI"},
}


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * R * math.asin(math.sqrt(a))


def site(
    id: str, lat: float, lon: float, hours: float, value: float | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "lat": lat,
        "lon": lon,
        "hours": hours,
        "value_eur": value if value is not None else hours * 40,
        **extra,
    }


def structure(
    id: str, kind: str, lat: float, lon: float, capacities: dict[str, float], **extra: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "name": f"Structure {id}",
        "kind": kind,
        "lat": lat,
        "lon": lon,
        "capacities": capacities,
        **extra,
    }


def problem(
    sites: list[dict[str, Any]],
    structures: list[dict[str, Any]],
    kind: str = "works",
    trade: str = PAINT,
    tender: dict[str, Any] | None = None,
    lot: dict[str, Any] | None = None,
    **options: Any,
) -> PlanningProblem:
    """A one-lot tender; `tender` and `lot` add fields to the tender and to its lot."""
    options.setdefault("gap_rel", 1e-9)
    options.setdefault("time_limit_s", 20)
    return PlanningProblem.model_validate(
        {
            "tender": {
                "reference": "T1",
                "kind": kind,
                "lots": [{"id": "L1", "trade": trade, "sites": sites, **(lot or {})}],
                **(tender or {}),
            },
            "structures": structures,
            "options": options,
        }
    )


def revenue_over_cap(p: PlanningProblem, st: StructureSpec, revenue: float) -> bool:
    """The yearly rules on a structure's revenue from the tender: `max_dependence` × turnover, and for
    an ACI with charges recorded, Code du travail D5132-34 (commercial revenue < 30 % of charges)."""
    years = 1.0
    t = p.tender
    if t.execution_start is not None and t.execution_end is not None:
        years = max(1.0, round(((t.execution_end - t.execution_start).days + 1) / 365.25, 2))
    yearly = revenue / years
    o = p.options
    if (
        o.max_dependence
        and st.annual_turnover_eur > 0
        and yearly > o.max_dependence * st.annual_turnover_eur + 1e-6
    ):
        return True
    if st.kind == "ACI" and st.annual_charges_eur is not None:
        rate = st.aci_cap_rate if st.aci_cap_rate is not None else 0.3
        return yearly + (st.commercial_revenue_eur or 0.0) > rate * st.annual_charges_eur + 1e-6
    return False


def trade_of(p: PlanningProblem) -> dict[str, str]:
    return {s.id: lot.trade for lot in p.tender.lots for s in lot.sites}


def eligible(p: PlanningProblem, site_id: str, structure_id: str) -> bool:
    st = next(s for s in p.structures if s.id == structure_id)
    lot, s = next((lot, s) for lot in p.tender.lots for s in lot.sites if s.id == site_id)
    withdrawn = p.options.baseline.withdrawn if p.options.baseline else []
    if st.kind.value not in CO_CONTRACTORS[p.tender.kind.value] or st.id in p.options.excluded + withdrawn:
        return False
    if st.capacities.get(lot.trade, 0) <= 0:
        return False
    d = km(s.lat, s.lon, st.lat, st.lon)
    limits = [x for x in (st.max_distance_km, p.options.max_distance_km) if x is not None]
    return all(d <= x for x in limits)


@dataclass
class Best:
    objective: float
    assignment: dict[str, str]
    distance_hour_km: float
    spread: float
    members: int


def normaliser_members(p: PlanningProblem) -> float:
    if p.options.max_members:
        return float(p.options.max_members)
    sites = [s.id for lot in p.tender.lots for s in lot.sites]
    possible = {st.id for st in p.structures for s in sites if eligible(p, s, st.id)}
    return float(max(1, len(possible | set(p.options.required))))


def objective_of(p: PlanningProblem, assignment: dict[str, str]) -> Best | None:
    """Objective of a full assignment without subcontracting, or None when it breaks a rule."""
    o, w = p.options, p.options.weights
    sites = {s.id: s for lot in p.tender.lots for s in lot.sites}
    trades = trade_of(p)
    structs = {st.id: st for st in p.structures}
    members = set(assignment.values()) | set(o.required)
    if o.max_members and len(members) > o.max_members:
        return None
    if not any(structs[e].can_lead for e in members):
        return None
    hours = {e: 0.0 for e in members}
    value = {e: 0.0 for e in members}
    per_trade: dict[tuple[str, str], float] = {}
    hour_km = 0.0
    for s, e in assignment.items():
        hours[e] += sites[s].hours
        value[e] += sites[s].value_eur
        per_trade[e, trades[s]] = per_trade.get((e, trades[s]), 0.0) + sites[s].hours
        hour_km += sites[s].hours * km(sites[s].lat, sites[s].lon, structs[e].lat, structs[e].lon)
    if any(h > structs[e].capacities.get(t, 0) + 1e-9 for (e, t), h in per_trade.items()):
        return None
    total_value = sum(s.value_eur for s in sites.values())
    for e in members:
        if value[e] < o.min_member_share * total_value - 1e-6:
            return None
        if revenue_over_cap(p, structs[e], value[e]):
            return None
    tender_trades = set(trades.values())
    ratios = [hours[e] / sum(structs[e].capacities.get(t, 0) for t in tender_trades) for e in members]
    spread = max(ratios) - min(ratios)
    total_hours = sum(s.hours for s in sites.values())
    objective = (
        w.distance * hour_km / (total_hours * o.reference_distance_km)
        + w.balance * spread
        + w.members * len(members) / normaliser_members(p)
    )
    return Best(objective, dict(assignment), hour_km, spread, len(members))


def brute_force(p: PlanningProblem) -> Best | None:
    """The best full assignment (every site covered, no subcontracting), by enumeration."""
    sites = [s.id for lot in p.tender.lots for s in lot.sites]
    choices = [[st.id for st in p.structures if eligible(p, s, st.id)] for s in sites]
    best: Best | None = None
    for combo in itertools.product(*choices):
        found = objective_of(p, dict(zip(sites, combo, strict=True)))
        if found is not None and (best is None or found.objective < best.objective - 1e-12):
            best = found
    return best
