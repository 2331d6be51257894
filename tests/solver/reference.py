"""An independent reference for the tests: builds tiny problems and solves them by enumeration.

It implements the rules and the normalisation as written in solver/README.md, without importing the
model, so that a test compares the planner with the rules, not with itself.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from solver.problem import Lot, PlanningProblem, StructureSpec

PAINT = "peinture-revetement-des-murs"
CLEAN = "nettoyage-de-locaux-16"
R = 6371.0
CO_CONTRACTORS = {
    "works": {"EI", "ACI", "EITI"},
    "services": {"EI", "ACI", "EITI"},
    "supplies": {"EI", "ACI", "EITI"},
    "staffing": {"AI", "ETTI"},
}
# CCP L2113-13 (SIAE) and L2113-12 (EA, ESAT, EATT): who may be a co-traitant of a reserved lot
RESERVED = {
    "siae": {"EI", "ACI", "AI", "ETTI", "EITI"},
    "handicap": {"EA", "ESAT", "EATT"},
    "both": {"EI", "ACI", "AI", "ETTI", "EITI", "EA", "ESAT", "EATT"},
}
HANDICAP_CO_CONTRACTORS = {"staffing": {"EATT"}}  # elsewhere EA and ESAT
INSERTION_RATE = {"EI": 0.6, "ACI": 0.8, "AI": 1.0, "ETTI": 1.0, "EITI": 0.8, "EA": 0.55, "ESAT": 1.0}
INSERTION_FACTOR = 1000.0  # solver/README.md: a lot's whole shortfall costs 1000 × the terms' range


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
    # no sous-traitance unless a test asks for it: the enumeration does not model it
    options.setdefault("max_subcontracting_share", 0.0)
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


def co_contractors(p: PlanningProblem, lot: Lot) -> set[str]:
    kind = (lot.kind or p.tender.kind).value
    if lot.reserved is None:
        return CO_CONTRACTORS[kind]
    allowed = set(CO_CONTRACTORS[kind])
    if lot.reserved in ("handicap", "both"):
        allowed |= HANDICAP_CO_CONTRACTORS.get(kind, {"EA", "ESAT"})
    return allowed & RESERVED[lot.reserved]


def entity(st: StructureSpec) -> str:
    """The legal entity: the SIRET's first 9 digits (the structure itself when no SIRET)."""
    return st.siret[:9] if st.siret else "id:" + st.id


def eligible(p: PlanningProblem, site_id: str, structure_id: str) -> bool:
    st = next(s for s in p.structures if s.id == structure_id)
    lot, s = next((lot, s) for lot in p.tender.lots for s in lot.sites if s.id == site_id)
    withdrawn = p.options.baseline.withdrawn if p.options.baseline else []
    if st.kind.value not in co_contractors(p, lot) or st.id in p.options.excluded + withdrawn:
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
    """`max_members`, else the number of possible members (legal entities)."""
    if p.options.max_members:
        return float(p.options.max_members)
    sites = [s.id for lot in p.tender.lots for s in lot.sites]
    structs = {st.id: st for st in p.structures}
    possible = {st.id for st in p.structures for s in sites if eligible(p, s, st.id)}
    return float(max(1, len({entity(structs[e]) for e in possible | set(p.options.required)})))


def above(p: PlanningProblem) -> float:
    """What the terms can differ by at most (solver/README.md), the unit of the penalties."""
    w = p.options.weights
    sites = [(lot, s) for lot in p.tender.lots for s in lot.sites]
    far = max(
        (
            km(s.lat, s.lon, st.lat, st.lon)
            for _, s in sites
            for st in p.structures
            if eligible(p, s.id, st.id)
        ),
        default=0.0,
    )
    return (
        1.0
        + w.distance * max(1.0, far / p.options.reference_distance_km)
        + w.balance
        + w.members
        + w.staffing
        + 1.0
    )


def objective_of(p: PlanningProblem, assignment: dict[str, str]) -> Best | None:
    """Objective of a full assignment without staff put at disposal nor sous-traitance, or None when
    it breaks a rule. Members are legal entities: structures sharing a SIREN pool their capacity, count
    once, have one load ratio; a lot's insertion shortfall is penalised."""
    o, w = p.options, p.options.weights
    sites = {s.id: s for lot in p.tender.lots for s in lot.sites}
    lot_of = {s.id: lot for lot in p.tender.lots for s in lot.sites}
    trades = trade_of(p)
    structs = {st.id: st for st in p.structures}
    of = {e: entity(st) for e, st in structs.items()}
    members = {of[e] for e in set(assignment.values()) | set(o.required)}
    if o.max_members and len(members) > o.max_members:
        return None
    if not any(structs[e].can_lead for e in structs if of[e] in members):
        return None
    hours = dict.fromkeys(members, 0.0)
    value: dict[str, float] = {}
    per_trade: dict[tuple[str, str], float] = {}
    hour_km = 0.0
    delivered = {lot.id: 0.0 for lot in p.tender.lots}
    for s, e in assignment.items():
        E = of[e]
        hours[E] += sites[s].hours
        value[E] = value.get(E, 0.0) + sites[s].value_eur
        value["structure:" + e] = value.get("structure:" + e, 0.0) + sites[s].value_eur
        per_trade[E, trades[s]] = per_trade.get((E, trades[s]), 0.0) + sites[s].hours
        hour_km += sites[s].hours * km(sites[s].lat, sites[s].lon, structs[e].lat, structs[e].lon)
        rate = structs[e].insertion_rate
        delivered[lot_of[s].id] += sites[s].hours * (
            rate if rate is not None else INSERTION_RATE[structs[e].kind]
        )
    capacity = {
        (E, t): sum(st.capacities.get(t, 0) for st in p.structures if of[st.id] == E)
        for E in members
        for t in set(trades.values())
    }
    if any(h > capacity[E, t] + 1e-9 for (E, t), h in per_trade.items()):
        return None
    total_value = sum(s.value_eur for s in sites.values())
    for E in members:
        if value.get(E, 0.0) < o.min_member_share * total_value - 1e-6:
            return None
        own = [st for st in p.structures if of[st.id] == E]
        pooled = own[0].model_copy(update={"annual_turnover_eur": sum(st.annual_turnover_eur for st in own)})
        if revenue_over_cap(p, pooled.model_copy(update={"kind": "EI"}), value.get(E, 0.0)):
            return None
        for st in own:  # the ACI rule per ACI structure (its convention), dependence per entity above
            alone = st.model_copy(update={"annual_turnover_eur": 0})
            if st.kind == "ACI" and revenue_over_cap(p, alone, value.get("structure:" + st.id, 0.0)):
                return None
    ratios = [hours[E] / sum(c for (x, _), c in capacity.items() if x == E) for E in members]
    spread = max(ratios) - min(ratios)
    total_hours = sum(s.hours for s in sites.values())
    objective = (
        w.distance * hour_km / (total_hours * o.reference_distance_km)
        + w.balance * spread
        + w.members * len(members) / normaliser_members(p)
    )
    for lot in p.tender.lots:
        if lot.insertion_hours > 0:
            short = max(0.0, lot.insertion_hours - delivered[lot.id])
            objective += INSERTION_FACTOR * above(p) * short / lot.insertion_hours
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
