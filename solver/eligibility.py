"""Eligibility, decided before modelling: only the pairs that may happen become variables.

A site may be done by a structure when the structure is a possible co-contractor for the tender's kind
(works and services: EI, ACI, EITI; staffing: AI, ETTI), holds the site's trade (capacity > 0), is within
its own `max_distance_km` and the options' `max_distance_km`, is not excluded and has not withdrawn.
In works and services tenders the AI and ETTI are sous-traitants only: a member may subcontract hours of
a trade to one of them when the member is within the intermédiaire's `max_distance_km` and the
intermédiaire holds the trade. GEIQ, EA and ESAT are never planned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from solver.geo import haversine_km, haversine_row_km
from solver.problem import PlanningProblem, StructureKind, StructureSpec, TenderKind

K = StructureKind
CO_CONTRACTOR_KINDS: dict[TenderKind, frozenset[StructureKind]] = {
    TenderKind.works: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.services: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.supplies: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.staffing: frozenset({K.AI, K.ETTI}),
}
SUBCONTRACTOR_KINDS: dict[TenderKind, frozenset[StructureKind]] = {
    TenderKind.works: frozenset({K.AI, K.ETTI}),
    TenderKind.services: frozenset({K.AI, K.ETTI}),
    TenderKind.supplies: frozenset({K.AI, K.ETTI}),
    TenderKind.staffing: frozenset(),
}


@dataclass(frozen=True)
class SiteItem:
    index: int
    id: str
    lot: str
    trade: str
    hours: float
    value_eur: float
    lat: float
    lon: float
    territory: str | None


@dataclass(frozen=True)
class Arc:
    """Hours of `trade` that `member` may subcontract to the intermédiaire `to`."""

    member: str
    to: str
    trade: str


@dataclass
class Eligibility:
    problem: PlanningProblem
    sites: list[SiteItem]
    trades: list[str]
    eur_per_hour: dict[str, float]
    members: dict[str, StructureSpec]
    intermediaries: dict[str, StructureSpec]
    pairs: dict[tuple[int, str], float]
    by_site: list[list[str]]
    by_member: dict[str, list[int]]
    arcs: list[Arc]
    unavailable: set[str]
    leave_reasons: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def total_hours(self) -> float:
        return sum(s.hours for s in self.sites)

    @property
    def total_value(self) -> float:
        return sum(s.value_eur for s in self.sites)

    def tender_capacity(self, structure: StructureSpec) -> float:
        """A structure's capacity in the tender's trades: the denominator of its load ratio."""
        return sum(structure.capacities.get(t, 0.0) for t in self.trades)

    def member_trades(self, member: str) -> list[str]:
        return sorted({self.sites[k].trade for k in self.by_member.get(member, [])})


def _limit(structure: StructureSpec, global_limit: float | None) -> float:
    own = structure.max_distance_km if structure.max_distance_km is not None else math.inf
    return min(own, global_limit if global_limit is not None else math.inf)


def compute(problem: PlanningProblem) -> Eligibility:
    options, tender = problem.options, problem.tender
    sites = [
        SiteItem(k, s.id, lot.id, lot.trade, s.hours, s.value_eur, s.lat, s.lon, s.territory)
        for k, (lot, s) in enumerate(tender.sites())
    ]
    trades = sorted({s.trade for s in sites})
    eur_per_hour = {
        t: sum(s.value_eur for s in sites if s.trade == t) / sum(s.hours for s in sites if s.trade == t)
        for t in trades
    }
    withdrawn = set(options.baseline.withdrawn) if options.baseline else set()
    unavailable = set(options.excluded) | withdrawn
    co_kinds, sub_kinds = CO_CONTRACTOR_KINDS[tender.kind], SUBCONTRACTOR_KINDS[tender.kind]
    leave: dict[str, tuple[str, str]] = {}
    possible: list[StructureSpec] = []
    intermediaries: dict[str, StructureSpec] = {}
    for st in problem.structures:
        if st.id in unavailable:
            why = (
                "has withdrawn from the accepted plan" if st.id in withdrawn else "is excluded by the options"
            )
            leave[st.id] = ("structure_not_selected_excluded", f"{st.name or st.id} {why}.")
        elif st.kind not in co_kinds and st.kind not in sub_kinds:
            leave[st.id] = (
                "structure_not_selected_kind",
                f"{st.name or st.id} is a {st.kind.value}: this kind cannot be a co-traitant nor a "
                f"sous-traitant in a {tender.kind.value} tender.",
            )
        elif not any(st.capacities.get(t, 0.0) > 0 for t in trades):
            leave[st.id] = (
                "structure_not_selected_trade",
                f"{st.name or st.id} has no capacity in the trade(s) of this tender ({', '.join(trades)}).",
            )
        elif st.kind in co_kinds:
            possible.append(st)
        else:
            intermediaries[st.id] = st

    pairs: dict[tuple[int, str], float] = {}
    by_site: list[list[str]] = [[] for _ in sites]
    by_member: dict[str, list[int]] = {}
    for t in trades:
        holders = [st for st in possible if st.capacities.get(t, 0.0) > 0]
        if not holders:
            continue
        lats = np.array([st.lat for st in holders])
        lons = np.array([st.lon for st in holders])
        limits = np.array([_limit(st, options.max_distance_km) for st in holders])
        for site in (s for s in sites if s.trade == t):
            row = haversine_row_km(site.lat, site.lon, lats, lons)
            for j in np.flatnonzero(row <= limits):
                st = holders[int(j)]
                pairs[(site.index, st.id)] = float(row[j])
                by_site[site.index].append(st.id)
                by_member.setdefault(st.id, []).append(site.index)

    members: dict[str, StructureSpec] = {}
    for st in possible:
        if st.id in by_member or st.id in options.required:
            members[st.id] = st
        else:
            leave[st.id] = (
                "structure_not_selected_distance",
                f"{st.name or st.id} holds the trade but no site of the tender is within its reach"
                f" ({_reach_words(st, options.max_distance_km)}).",
            )

    arcs: list[Arc] = []
    for a in intermediaries.values():
        reach = a.max_distance_km if a.max_distance_km is not None else math.inf
        for e in members.values():
            if haversine_km(e.lat, e.lon, a.lat, a.lon) > reach:
                continue
            for t in sorted({sites[k].trade for k in by_member.get(e.id, [])}):
                if a.capacities.get(t, 0.0) > 0:
                    arcs.append(Arc(e.id, a.id, t))
    for a in intermediaries.values():
        if not any(arc.to == a.id for arc in arcs):
            leave[a.id] = (
                "structure_not_selected_distance",
                f"{a.name or a.id} ({a.kind.value}, sous-traitant only in this tender) has no possible "
                "member holding its trade within its reach.",
            )
    return Eligibility(
        problem,
        sites,
        trades,
        eur_per_hour,
        members,
        intermediaries,
        pairs,
        by_site,
        by_member,
        arcs,
        unavailable,
        leave,
    )


def _reach_words(st: StructureSpec, global_limit: float | None) -> str:
    limit = _limit(st, global_limit)
    return f"{limit:g} km" if math.isfinite(limit) else "no distance limit"
