"""Eligibility, decided before modelling: only the pairs that may happen become variables.

A site may be done by a structure when the structure may be a co-traitant in the site's lot, holds the
lot's trade (capacity > 0), is within its own `max_distance_km` and the options' `max_distance_km`, is
not excluded and has not withdrawn. Who may be a co-traitant in a lot:

- by the lot's kind (a lot without kind takes the tender's): in `works`, `services` and `supplies`, EI,
  ACI and EITI; in `staffing`, AI and ETTI (Code du travail L5132-7, L5132-6);
- in a reserved lot only the reserved kinds (Code de la commande publique L2113-13 for the SIAE: EI,
  ACI, AI, ETTI, EITI; L2113-12 for EA, ESAT and EATT; `both`): EA and ESAT (and EATT in a staffing
  lot) are co-traitants only in lots reserved to them. GEIQ and SEP are never planned.

Beside the co-traitants:

- mise à disposition (MAD, Code du travail L5132-7 s. for an AI, L1251-1 s. for an ETTI): in a lot that
  is not `staffing`, an AI or ETTI holding the lot's trade may put staff at a possible member's disposal
  when the member is within the intermédiaire's `max_distance_km` (`arcs`);
- sous-traitance (loi 75-1334; CCP L2193-1 s.): a member may subcontract hours of a lot to an EI, ACI
  or EITI of another legal entity holding the trade, within that structure's reach of the member,
  never on an `essential` lot (L2193-3), in a staffing lot, nor when `max_subcontracting_share` is 0;
  in a lot reserved to EA/ESAT alone, no SIAE sous-traitant. Each member gets its
  `SUBCONTRACTORS_PER_LOT` nearest (`subcontract_arcs`).

Legal entities: the SIREN is the SIRET's first 9 digits; structures sharing it are one entity, one
member (`entity`, `entities`). An entity is represented by its first structure able to lead, else its
first structure (problem order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from solver.geo import haversine_km, haversine_row_km
from solver.problem import (
    RESERVED_KINDS,
    Lot,
    PlanningProblem,
    StructureKind,
    StructureSpec,
    TenderKind,
)

K = StructureKind
CO_CONTRACTOR_KINDS: dict[TenderKind, frozenset[StructureKind]] = {
    TenderKind.works: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.services: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.supplies: frozenset({K.EI, K.ACI, K.EITI}),
    TenderKind.staffing: frozenset({K.AI, K.ETTI}),
}
# in lots reserved to them (L2113-12), the disability employers are co-traitants too
HANDICAP_CO_CONTRACTORS: dict[TenderKind, frozenset[StructureKind]] = {
    TenderKind.works: frozenset({K.EA, K.ESAT}),
    TenderKind.services: frozenset({K.EA, K.ESAT}),
    TenderKind.supplies: frozenset({K.EA, K.ESAT}),
    TenderKind.staffing: frozenset({K.EATT}),
}
STAFFING_KINDS: dict[TenderKind, frozenset[StructureKind]] = {
    TenderKind.works: frozenset({K.AI, K.ETTI}),
    TenderKind.services: frozenset({K.AI, K.ETTI}),
    TenderKind.supplies: frozenset({K.AI, K.ETTI}),
    TenderKind.staffing: frozenset(),
}
SUBCONTRACTOR_KINDS = frozenset({K.EI, K.ACI, K.EITI})
SUBCONTRACTORS_PER_LOT = 5
# kept for callers of the earlier name
SUBCONTRACTOR_KINDS_BY_TENDER = STAFFING_KINDS


def co_contractor_kinds(kind: TenderKind, reserved: str | None) -> frozenset[StructureKind]:
    """Kinds that may be co-traitants of a lot of this kind and reservation."""
    if reserved is None:
        return CO_CONTRACTOR_KINDS[kind]
    allowed = CO_CONTRACTOR_KINDS[kind]
    if reserved in ("handicap", "both"):
        allowed = allowed | HANDICAP_CO_CONTRACTORS[kind]
    return allowed & RESERVED_KINDS[reserved]


def subcontractor_kinds(lot: Lot, kind: TenderKind) -> frozenset[StructureKind]:
    """Kinds that may be sous-traitants on a lot: none on an essential lot (CCP L2193-3) nor in a
    staffing lot (the intermédiaires' own trade)."""
    if lot.essential or kind == TenderKind.staffing:
        return frozenset()
    if lot.reserved is None:
        return SUBCONTRACTOR_KINDS
    return SUBCONTRACTOR_KINDS & RESERVED_KINDS[lot.reserved]


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
    """Hours of `trade` on `lot` that the intermédiaire `to` may put at the disposal of the structure
    `member` (mise à disposition); for a `SubArc`, hours `member` may subcontract to `to`."""

    member: str
    to: str
    trade: str
    lot: str = ""


@dataclass(frozen=True)
class SubArc(Arc):
    """Sous-traitance: hours of `lot` the member's structure `member` has the SIAE `to` carry out."""


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
    subcontract_arcs: list[SubArc] = field(default_factory=list)
    subcontractors: dict[str, StructureSpec] = field(default_factory=dict)
    # structure id -> its legal entity's key (the representative structure); entity -> its structures
    entity: dict[str, str] = field(default_factory=dict)
    entities: dict[str, list[str]] = field(default_factory=dict)
    lot_rate: dict[str, float] = field(default_factory=dict)  # € per hour of each lot

    def __post_init__(self) -> None:
        if not self.entities:
            self.entities = {e: [e] for e in self.members}
            self.entity = {e: e for e in self.members}
        if not self.lot_rate:
            self.lot_rate = lot_rates(self.problem)

    def entity_of(self, structure: str) -> str:
        return self.entity.get(structure, structure)

    def lot(self, lot_id: str) -> Lot:
        return next(lot for lot in self.problem.tender.lots if lot.id == lot_id)

    def lot_kind(self, lot_id: str) -> TenderKind:
        return self.problem.tender.lot_kind(self.lot(lot_id))

    def entity_capacity(self, entity: str, trade: str) -> float:
        return sum(self.members[e].capacities.get(trade, 0.0) for e in self.entities[entity])

    def entity_tender_capacity(self, entity: str) -> float:
        return sum(self.tender_capacity(self.members[e]) for e in self.entities[entity])

    def siren(self, entity: str) -> str | None:
        return self.members[entity].siren

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


def lot_rates(problem: PlanningProblem) -> dict[str, float]:
    return {
        lot.id: sum(s.value_eur for s in lot.sites) / sum(s.hours for s in lot.sites)
        for lot in problem.tender.lots
    }


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
    lot_co = {lot.id: co_contractor_kinds(tender.lot_kind(lot), lot.reserved) for lot in tender.lots}
    lot_staff = {lot.id: STAFFING_KINDS[tender.lot_kind(lot)] for lot in tender.lots}
    any_co = frozenset().union(*lot_co.values())
    any_staff = frozenset().union(*lot_staff.values())
    any_sub = frozenset().union(*(subcontractor_kinds(lot, tender.lot_kind(lot)) for lot in tender.lots))
    leave: dict[str, tuple[str, str]] = {}
    possible: list[StructureSpec] = []
    intermediaries: dict[str, StructureSpec] = {}
    for st in problem.structures:
        name = st.name or st.id
        if st.id in unavailable:
            why = "s'est retirée du groupement retenu" if st.id in withdrawn else "est exclue par les options"
            leave[st.id] = ("structure_not_selected_excluded", f"{name} {why}.")
        elif st.kind not in any_co and st.kind not in any_staff and st.kind not in any_sub:
            leave[st.id] = (
                "structure_not_selected_kind",
                f"{name} est un(e) {st.kind.value} : ce type ne peut être ni cotraitant, ni sous-traitant, "
                "ni mettre du personnel à disposition dans les lots de ce marché"
                + (" (lots réservés ou non à son type)." if st.kind not in any_co else "."),
            )
        elif not any(st.capacities.get(t, 0.0) > 0 for t in trades):
            leave[st.id] = (
                "structure_not_selected_trade",
                f"{name} n'a pas de capacité dans les métiers de ce marché ({', '.join(trades)}).",
            )
        else:
            if st.kind in any_co:
                possible.append(st)
            if st.kind in any_staff:
                intermediaries[st.id] = st

    pairs: dict[tuple[int, str], float] = {}
    by_site: list[list[str]] = [[] for _ in sites]
    by_member: dict[str, list[int]] = {}
    for lot in tender.lots:
        holders = [
            st for st in possible if st.kind in lot_co[lot.id] and st.capacities.get(lot.trade, 0.0) > 0
        ]
        if not holders:
            continue
        lats = np.array([st.lat for st in holders])
        lons = np.array([st.lon for st in holders])
        limits = np.array([_limit(st, options.max_distance_km) for st in holders])
        for site in (s for s in sites if s.lot == lot.id):
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
        elif st.id not in intermediaries:
            if not any(
                st.capacities.get(lot.trade, 0.0) > 0 and st.kind in lot_co[lot.id] for lot in tender.lots
            ):
                leave[st.id] = (
                    "structure_not_selected_kind",
                    f"{st.name or st.id} ({st.kind.value}) ne peut être cotraitant d'aucun lot de son métier "
                    "(type du lot ou lot réservé à d'autres types : CCP L2113-12, L2113-13).",
                )
            else:
                leave[st.id] = (
                    "structure_not_selected_distance",
                    f"{st.name or st.id} a le métier mais aucun site du marché n'est à sa portée"
                    f" ({_reach_words(st, options.max_distance_km)}).",
                )
    for e_id in members:
        intermediaries.pop(e_id, None)
    entity, entities = _entities(problem, members)

    arcs: list[Arc] = []
    for a in intermediaries.values():
        reach = a.max_distance_km if a.max_distance_km is not None else math.inf
        for m in members.values():
            if haversine_km(m.lat, m.lon, a.lat, a.lon) > reach:
                continue
            for lot_id in sorted({sites[k].lot for k in by_member.get(m.id, [])}):
                trade = next(lot.trade for lot in tender.lots if lot.id == lot_id)
                if a.kind in lot_staff[lot_id] and a.capacities.get(trade, 0.0) > 0:
                    arcs.append(Arc(m.id, a.id, trade, lot_id))
    for a in intermediaries.values():
        if not any(arc.to == a.id for arc in arcs):
            leave[a.id] = (
                "structure_not_selected_distance",
                f"{a.name or a.id} ({a.kind.value}, mise à disposition seulement dans ce marché) n'a aucun "
                "membre possible à sa portée dont elle ait le métier.",
            )
    # a sous-traitant sharing a SIREN with a possible member is that legal entity: never both
    heads = {entity_key(members[head]): head for head in entities}
    for st in problem.structures:
        if st.id not in entity and entity_key(st) in heads:
            entity[st.id] = heads[entity_key(st)]
    subcontract_arcs, subcontractors = _subcontracting(
        problem, sites, members, by_member, entity, unavailable
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
        subcontract_arcs,
        subcontractors,
        entity,
        entities,
    )


def entity_key(st: StructureSpec) -> str:
    """Structures sharing a SIREN are one legal entity; a structure without SIRET is its own."""
    return f"siren:{st.siren}" if st.siren else f"id:{st.id}"


def _entities(
    problem: PlanningProblem, members: dict[str, StructureSpec]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for st in problem.structures:
        if st.id in members:
            groups.setdefault(entity_key(st), []).append(st.id)
    entity: dict[str, str] = {}
    entities: dict[str, list[str]] = {}
    for ids in groups.values():
        head = next((e for e in ids if members[e].can_lead), ids[0])
        entities[head] = ids
        for e in ids:
            entity[e] = head
    return entity, entities


def _subcontracting(
    problem: PlanningProblem,
    sites: list[SiteItem],
    members: dict[str, StructureSpec],
    by_member: dict[str, list[int]],
    entity: dict[str, str],
    unavailable: set[str],
) -> tuple[list[SubArc], dict[str, StructureSpec]]:
    """Each member's nearest possible sous-traitants per lot: an EI/ACI/EITI of another legal entity,
    holding the lot's trade, with the member within its reach."""
    o = problem.options
    if o.max_subcontracting_share <= 0:
        return [], {}
    keys = {st.id: entity_key(st) for st in problem.structures}
    found: list[SubArc] = []
    used: dict[str, StructureSpec] = {}
    for lot in problem.tender.lots:
        kinds = subcontractor_kinds(lot, problem.tender.lot_kind(lot))
        candidates = [
            st
            for st in problem.structures
            if st.kind in kinds and st.id not in unavailable and st.capacities.get(lot.trade, 0.0) > 0
        ]
        if not candidates:
            continue
        for e, st in members.items():
            if not any(sites[k].lot == lot.id for k in by_member.get(e, [])):
                continue
            near = []
            for f in candidates:
                if keys[f.id] == keys[e]:
                    continue
                d = haversine_km(st.lat, st.lon, f.lat, f.lon)
                if d <= _limit(f, o.max_distance_km):
                    near.append((d, f.id, f))
            for _, _, f in sorted(near)[:SUBCONTRACTORS_PER_LOT]:
                found.append(SubArc(e, f.id, lot.trade, lot.id))
                used[f.id] = f
    return found, used


def _reach_words(st: StructureSpec, global_limit: float | None) -> str:
    limit = _limit(st, global_limit)
    return f"{limit:g} km" if math.isfinite(limit) else "no distance limit"
