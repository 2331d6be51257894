"""The mixed-integer model, built by a flat sequence of named builders.

Variables, then constraints, then the objective. Each builder reads the eligibility data, returns early
when its part is empty and names its constraints after the data (`cover_<site>`, `capacity_<entity>_
<trade>`, ...), so that a constraint in a solver log maps back to a site, a structure or a trade.

Members are legal entities (SIREN): `y`, `m`, capacity, shares, dependence and load ratios are per
entity (keyed by its representative structure, `Eligibility.entities`); `x` stays per structure, since
the establishment that does a site sets its distance.

Normalisation of the objective (weights then mean what a coordinator thinks):

- distance: Σ h_s·d(s,e)·x[s,e] ÷ (total hours × reference distance). 1.0 means "every hour of the tender
  travels `options.reference_distance_km`" (default 10 km);
- balance: max − min of the members' load ratios; already in [0, 1] (0 = every member equally loaded);
- members: number of members ÷ `max_members` (or ÷ the number of possible members when no maximum);
- staffing: hours put at disposal by AI/ETTI ÷ total hours, with a MINUS sign: a positive weight
  rewards the intermédiaires' work;
- sous-traitance: hours subcontracted ÷ total hours × `SUBCONTRACTING_COST`: a last resort, when the
  members and the staff put at their disposal cannot do the work;
- penalties, above the terms: each uncovered site; each lot's insertion shortfall (`INSERTION_FACTOR`);
  each territory without a member based there (when `territorial_presence`); each moved site when
  re-planning (`baseline.move_penalty`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from solver.eligibility import Arc, Eligibility, SubArc
from solver.problem import PlanningProblem, StructureKind, StructureSpec

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def label(text: str) -> str:
    """A solver-safe fragment of a constraint name, from a user's id."""
    return _UNSAFE.sub("_", text)[:40]


# each subcontracted hour costs this much, per hour of the tender: sous-traitance all along the tender
# would cost as much as every hour travelling the reference distance
SUBCONTRACTING_COST = 1.0
# a lot's whole insertion shortfall costs this many times what the terms can differ between two plans:
# 0.1 % of a clause unmet costs more than any gain on distance, balance, members or staffing
INSERTION_FACTOR = 1000.0
# Code du travail L5132-9: an AI puts one person at a company's disposal for at most 480 hours per 24
# months; not when the user is an association or a public body
AI_HOURS_PER_PERSON = 480.0


@dataclass(frozen=True)
class Scales:
    hours_km: float
    members: float
    hours: float
    uncovered: dict[int, float]
    territory: float
    move: float
    insertion: dict[str, float] = field(default_factory=dict)  # per hour of shortfall, per lot


@dataclass
class Model:
    prob: pulp.LpProblem
    elig: Eligibility
    scales: Scales
    x: dict[tuple[int, str], pulp.LpVariable]
    y: dict[str, pulp.LpVariable]
    m: dict[str, pulp.LpVariable]
    z: dict[Arc, pulp.LpVariable]
    uncovered: dict[int, pulp.LpVariable]
    w: dict[SubArc, pulp.LpVariable] = field(default_factory=dict)
    shortfall: dict[str, pulp.LpVariable] = field(default_factory=dict)
    territory_gap: dict[str, pulp.LpVariable] = field(default_factory=dict)
    spread: tuple[pulp.LpVariable, pulp.LpVariable] | None = None
    count: pulp.LpVariable | None = None  # the number of members, when `define_member_count` added it
    skipped_territories: list[str] = field(default_factory=list)
    site_index: dict[str, int] = field(default_factory=dict)  # x variable name -> site index


def scales(elig: Eligibility) -> Scales:
    o = elig.problem.options
    w = o.weights
    hours = elig.total_hours
    far = max(elig.pairs.values(), default=0.0) / o.reference_distance_km
    moves = len(o.baseline.assignments) + 1 if o.baseline else 0
    above = 1.0 + w.distance * max(1.0, far) + w.balance + w.members + w.staffing + SUBCONTRACTING_COST
    above += o.baseline.move_penalty * moves if o.baseline else 0.0
    biggest = max(s.hours for s in elig.sites)
    # An uncovered site costs more than the four terms can ever differ between two plans; bigger sites
    # cost a bit more, so a shortage leaves the smaller sites uncovered first. No larger: a huge penalty
    # beside costs of 1e-6 makes the engine's linear algebra slow and fragile.
    uncovered = {s.index: above * (1.0 + s.hours / biggest) for s in elig.sites}
    return Scales(
        hours_km=hours * o.reference_distance_km,
        members=float(o.max_members or max(1, len(elig.entities))),
        hours=hours,
        uncovered=uncovered,
        territory=above,
        move=o.baseline.move_penalty if o.baseline else 0.0,
        insertion={
            lot.id: INSERTION_FACTOR * above / lot.insertion_hours
            for lot in elig.problem.tender.lots
            if lot.insertion_hours > 0
        },
    )


# --- variables -------------------------------------------------------------------------------------


def define_assignment_variables(
    prob: pulp.LpProblem, elig: Eligibility
) -> dict[tuple[int, str], pulp.LpVariable]:
    index = {e: j for j, e in enumerate(elig.members)}
    return {(k, e): prob.add_variable(f"x_{k}_{index[e]}", cat=pulp.LpBinary) for (k, e) in elig.pairs}


def define_membership_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[str, pulp.LpVariable]:
    """One per legal entity. A required structure's entity is a member whatever it costs; after the
    award (CCP R2142-26) no entity outside the accepted grouping may join."""
    o = elig.problem.options
    required = {elig.entity_of(e) for e in o.required if e in elig.entity}
    frozen = after_award_members(elig)
    variables = {}
    for j, entity in enumerate(elig.entities):
        low = 1 if entity in required else 0
        high = 0 if frozen is not None and entity not in frozen else 1
        variables[entity] = prob.add_variable(
            f"y_{j}", lowBound=min(low, high), upBound=high, cat=pulp.LpInteger
        )
    return variables


def after_award_members(elig: Eligibility) -> set[str] | None:
    """After the award, the entities of the accepted grouping (withdrawn structures excluded); else None."""
    b = elig.problem.options.baseline
    if b is None or b.mode != "after_award":
        return None
    return {elig.entity_of(e) for e in b.accepted() if e in elig.entity}


def define_mandataire_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[str, pulp.LpVariable]:
    """An entity may lead when one of its structures may."""
    return {
        entity: prob.add_variable(f"m_{j}", cat=pulp.LpBinary)
        for j, (entity, structures) in enumerate(elig.entities.items())
        if any(elig.members[e].can_lead for e in structures)
    }


def _lot_hours(elig: Eligibility, member: str, lot: str) -> float:
    return sum(elig.sites[k].hours for k in elig.by_member.get(member, []) if elig.sites[k].lot == lot)


def define_staffing_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[Arc, pulp.LpVariable]:
    """Hours an AI/ETTI puts at a member's disposal on a lot (mise à disposition)."""
    variables = {}
    for i, arc in enumerate(elig.arcs):
        cap = elig.intermediaries[arc.to].capacities[arc.trade]
        variables[arc] = prob.add_variable(
            f"z_{i}", lowBound=0, upBound=min(cap, _lot_hours(elig, arc.member, arc.lot))
        )
    return variables


# earlier name
define_subcontracting_variables = define_staffing_variables


def define_sous_traitance_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[SubArc, pulp.LpVariable]:
    """Hours a member's structure subcontracts on a lot to an EI/ACI/EITI outside the grouping."""
    sigma = elig.problem.options.max_subcontracting_share
    variables = {}
    for i, arc in enumerate(elig.subcontract_arcs):
        cap = elig.subcontractors[arc.to].capacities[arc.trade]
        variables[arc] = prob.add_variable(
            f"w_{i}", lowBound=0, upBound=min(cap, sigma * _lot_hours(elig, arc.member, arc.lot))
        )
    return variables


def define_shortfall_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[str, pulp.LpVariable]:
    """Insertion hours of a lot's clause sociale not delivered (penalised far above the terms)."""
    return {
        lot.id: prob.add_variable(f"short_{i}", lowBound=0, upBound=lot.insertion_hours)
        for i, lot in enumerate(elig.problem.tender.lots)
        if lot.insertion_hours > 0
    }


def define_uncovered_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[int, pulp.LpVariable]:
    return {s.index: prob.add_variable(f"u_{s.index}", lowBound=0, upBound=1) for s in elig.sites}


# --- constraints -----------------------------------------------------------------------------------


def _hours_of(model: Model, member: str, trade: str | None = None) -> list[tuple[pulp.LpVariable, float]]:
    sites = model.elig.sites
    return [
        (model.x[k, member], sites[k].hours)
        for k in model.elig.by_member.get(member, [])
        if trade is None or sites[k].trade == trade
    ]


def _entity_hours(model: Model, entity: str, trade: str | None = None) -> list[tuple[pulp.LpVariable, float]]:
    return [term for e in model.elig.entities[entity] for term in _hours_of(model, e, trade)]


def _arcs_by_member(model: Model) -> dict[str, list[Arc]]:
    """MAD arcs per structure."""
    grouped: dict[str, list[Arc]] = defaultdict(list)
    for arc in model.z:
        grouped[arc.member].append(arc)
    return grouped


def _sub_arcs_by_member(model: Model) -> dict[str, list[SubArc]]:
    grouped: dict[str, list[SubArc]] = defaultdict(list)
    for arc in model.w:
        grouped[arc.member].append(arc)
    return grouped


def _revenue(model: Model, members: list[str]) -> pulp.LpAffineExpression:
    """Value of the structures' sites minus the value they subcontract (paid directly by the buyer to
    the sous-traitant, loi 75-1334 art. 6); staff put at disposal is the member's own cost."""
    sites, rate = model.elig.sites, model.elig.lot_rate
    sub = _sub_arcs_by_member(model)
    terms = [(model.x[k, e], sites[k].value_eur) for e in members for k in model.elig.by_member.get(e, [])]
    terms += [(model.w[a], -rate[a.lot]) for e in members for a in sub[e]]
    return pulp.LpAffineExpression(terms)


def define_coverage_constraints(model: Model) -> None:
    for site in model.elig.sites:
        terms = [(model.x[site.index, e], 1.0) for e in model.elig.by_site[site.index]]
        terms.append((model.uncovered[site.index], 1.0))
        model.prob += pulp.LpAffineExpression(terms) == 1, f"cover_{site.index}_{label(site.id)}"


def define_membership_constraints(model: Model, nearest: int | None = None, strong: bool = True) -> None:
    """x ≤ y: a site goes to members only (y of the structure's legal entity).

    One row per pair bounds far better than the aggregated Σ_s x[s,e] ≤ n·y[E], but on a large tender
    it makes the engine's first relaxation take minutes. With `nearest` = K, only each site's K nearest
    pairs (where a distance-minded plan puts it) get their own row, the rest the aggregated row; when
    K > 0 each site also gets a row "some member in reach": Σ_E y[E] ≥ 1 − u[s]. `strong=False` keeps
    the aggregated rows alone, to measure the difference."""
    elig = model.elig
    required = {elig.entity_of(e) for e in elig.problem.options.required}
    own_row: set[tuple[int, str]] = set()
    if strong:
        for site in elig.sites:
            ranked = sorted(elig.by_site[site.index], key=lambda e: elig.pairs[site.index, e])
            own_row.update((site.index, e) for e in (ranked if nearest is None else ranked[:nearest]))
    for k, e in sorted(own_row):
        model.prob += model.x[k, e] - model.y[elig.entity_of(e)] <= 0, f"member_{k}_{label(e)}"
    for entity, y in model.y.items():
        sites = [
            (k, e) for e in elig.entities[entity] for k in elig.by_member.get(e, []) if (k, e) not in own_row
        ]
        if sites:
            terms = [(model.x[k, e], 1.0) for k, e in sites] + [(y, -float(len(sites)))]
            model.prob += pulp.LpAffineExpression(terms) <= 0, f"member_{label(entity)}"
    if strong and nearest:
        for site in elig.sites:
            reaching = sorted({elig.entity_of(e) for e in elig.by_site[site.index]})
            terms = [(model.y[entity], 1.0) for entity in reaching] + [(model.uncovered[site.index], 1.0)]
            model.prob += (
                pulp.LpAffineExpression(terms) >= 1,
                f"member_in_reach_{site.index}_{label(site.id)}",
            )
    for entity, y in model.y.items():
        if entity not in required:
            # a member with no site would be a token member: never propose one
            own = [(x, -1.0) for x, _ in _entity_hours(model, entity)]
            model.prob += pulp.LpAffineExpression([(y, 1.0), *own]) <= 0, f"member_works_{label(entity)}"


def define_capacity_constraints(model: Model) -> None:
    """Own hours per legal entity and trade (assigned − put at disposal − subcontracted) within the
    entity's capacity in that trade (the sum of its structures')."""
    elig, sigma = model.elig, model.elig.problem.options.max_subcontracting_share
    staffed, subbed = _arcs_by_member(model), _sub_arcs_by_member(model)
    for entity, structures in elig.entities.items():
        trades = sorted({t for e in structures for t in elig.member_trades(e)})
        for t in trades:
            assigned = _entity_hours(model, entity, t)
            demand = sum(h for _, h in assigned)
            cap = elig.entity_capacity(entity, t)
            mad = [(model.z[a], -1.0) for e in structures for a in staffed[e] if a.trade == t]
            out = [(model.w[a], -1.0) for e in structures for a in subbed[e] if a.trade == t]
            name = f"capacity_{label(entity)}_{label(t)}"
            if demand > cap:
                model.prob += (
                    pulp.LpAffineExpression([*assigned, *mad, *out, (model.y[entity], -cap)]) <= 0,
                    name,
                )
            if out and not mad and len(trades) == 1 and cap / (1 - sigma) < demand:
                # valid inequality: own hours plus subcontracted hours (at most σ of each part), the
                # most a member can take on without staff put at its disposal
                reach = cap / (1 - sigma)
                model.prob += (
                    pulp.LpAffineExpression([*assigned, (model.y[entity], -reach)]) <= 0,
                    f"{name}_reach",
                )
    for e in elig.members:
        for lot in sorted({a.lot for a in staffed[e]}):
            # staff put at disposal and sous-traitance never exceed the structure's hours on the lot
            terms = [(x, h) for x, h in _hours_of(model, e) if elig.sites[_site_of(model, x, e)].lot == lot]
            terms += [(model.z[a], -1.0) for a in staffed[e] if a.lot == lot]
            terms += [(model.w[a], -1.0) for a in subbed[e] if a.lot == lot]
            model.prob += pulp.LpAffineExpression(terms) >= 0, f"own_hours_{label(e)}_{label(lot)}"


def _site_of(model: Model, x: pulp.LpVariable, member: str) -> int:
    return model.site_index[x.name]


def define_staffing_constraints(model: Model) -> None:
    """The intermédiaires' capacity per trade; an AI's cap towards a company (L5132-9)."""
    if not model.z:
        return
    elig = model.elig
    by_supplier: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in model.z:
        by_supplier[arc.to, arc.trade].append(arc)
    for (a, t), arcs in by_supplier.items():
        cap = elig.intermediaries[a].capacities[t]
        if sum(model.z[arc].upBound or 0.0 for arc in arcs) > cap:
            model.prob += (
                pulp.lpSum(model.z[arc] for arc in arcs) <= cap,
                f"intermediary_capacity_{label(a)}_{label(t)}",
            )
    for (a, entity), arcs in ai_to_company(elig, list(model.z)).items():
        cap = ai_company_cap(elig, a)
        if sum(model.z[arc].upBound or 0.0 for arc in arcs) > cap:
            model.prob += (
                pulp.lpSum(model.z[arc] for arc in arcs) <= cap,
                f"ai_480h_{label(a)}_{label(entity)}",
            )


def ai_company_cap(elig: Eligibility, ai: str) -> float:
    """L5132-9: 480 h per person put at disposal, per started 24 months of execution (a shorter
    execution still allows 480 h); `mad_staff` people (one when not recorded)."""
    staff = elig.intermediaries[ai].mad_staff or 1
    return AI_HOURS_PER_PERSON * staff * elig.problem.tender.staffing_periods()


def ai_to_company(elig: Eligibility, arcs: list[Arc]) -> dict[tuple[str, str], list[Arc]]:
    """MAD arcs from an AI to the structures of an entity whose legal form is `company`."""
    grouped: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in arcs:
        entity = elig.entity_of(arc.member)
        if elig.intermediaries[arc.to].kind == StructureKind.AI and elig.members[entity].form == "company":
            grouped[arc.to, entity].append(arc)
    return grouped


def define_subcontracting_constraints(model: Model) -> None:
    """Sous-traitance: at most σ of a structure's part of a lot (never the whole, loi 75-1334 and CCP
    L2193-1 s.); within the sous-traitant's capacity; never to a member (a co-traitant is no
    sous-traitant of its own grouping)."""
    if not model.w:
        return
    elig, sigma = model.elig, model.elig.problem.options.max_subcontracting_share
    by_part: dict[tuple[str, str], list[SubArc]] = defaultdict(list)
    for arc in model.w:
        by_part[arc.member, arc.lot].append(arc)
    for (e, lot), arcs in by_part.items():
        part = [
            (x, -sigma * h) for x, h in _hours_of(model, e) if elig.sites[_site_of(model, x, e)].lot == lot
        ]
        terms = [(model.w[a], 1.0) for a in arcs] + part
        model.prob += pulp.LpAffineExpression(terms) <= 0, f"subcontract_share_{label(e)}_{label(lot)}"
    by_supplier: dict[tuple[str, str], list[SubArc]] = defaultdict(list)
    for arc in model.w:
        by_supplier[arc.to, arc.trade].append(arc)
    for (f, t), arcs in by_supplier.items():
        cap = elig.subcontractors[f].capacities[t]
        terms = [(model.w[arc], 1.0) for arc in arcs]
        if f in elig.entity:
            # a possible member is a sous-traitant only when its legal entity stays out
            terms.append((model.y[elig.entity_of(f)], cap))
        elif sum(model.w[arc].upBound or 0.0 for arc in arcs) <= cap:
            continue
        model.prob += pulp.LpAffineExpression(terms) <= cap, f"subcontractor_{label(f)}_{label(t)}"


def define_share_constraints(model: Model) -> None:
    """Floor on a member's share of the tender; cap on its dependence on this tender (per year);
    the ACI rule (D5132-34) per ACI structure."""
    elig, o = model.elig, model.elig.problem.options
    total = elig.total_value
    for entity, structures in elig.entities.items():
        revenue = _revenue(model, structures)
        if o.min_member_share > 0 and total > 0:
            model.prob += (
                revenue - o.min_member_share * total * model.y[entity] >= 0,
                f"min_share_{label(entity)}",
            )
        turnover = sum(elig.members[e].annual_turnover_eur for e in structures)
        cap = dependence_cap(elig.problem, turnover)
        if cap is not None:
            model.prob += revenue <= cap, f"dependence_{label(entity)}"
        for e in structures:
            aci = aci_cap(elig.problem, elig.members[e])
            if aci is not None:
                model.prob += _revenue(model, [e]) <= aci, f"aci_rule_{label(e)}"


def dependence_cap(problem: PlanningProblem, turnover: float) -> float | None:
    """`max_dependence`: yearly revenue from the tender ≤ max_dependence × annual turnover; no cap when
    the turnover is 0 (not recorded: nothing to compare with). Over the whole execution."""
    if problem.options.max_dependence is None or turnover <= 0:
        return None
    return problem.options.max_dependence * turnover * problem.tender.execution_years()


def aci_cap(problem: PlanningProblem, st: StructureSpec) -> float | None:
    """Code du travail D5132-34: an ACI's commercial revenue, what it already has plus this tender's per
    year of execution, stays below `aci_cap_rate` (0.3, at most 0.5 on the préfet's decision) × the
    charges of its insertion activities. None when not an ACI or its charges are not recorded."""
    if st.kind != StructureKind.ACI or st.annual_charges_eur is None:
        return None
    room = st.cap_rate * st.annual_charges_eur - (st.commercial_revenue_eur or 0.0)
    return max(0.0, room) * problem.tender.execution_years()


def revenue_cap(problem: PlanningProblem, st: StructureSpec) -> float | None:
    """The most a structure alone may earn from this tender over its whole execution, or None (no cap):
    the stricter of `dependence_cap` (on its own turnover) and `aci_cap`."""
    caps = [
        c for c in (dependence_cap(problem, st.annual_turnover_eur), aci_cap(problem, st)) if c is not None
    ]
    return min(caps) if caps else None


def define_group_constraints(model: Model) -> None:
    """At most `max_members`; exactly one mandataire, a member able to lead."""
    o = model.elig.problem.options
    if o.max_members is not None:
        model.prob += pulp.lpSum(model.y.values()) <= o.max_members, "max_members"
    model.prob += pulp.lpSum(model.m.values()) == 1, "one_mandataire"
    for e, m in model.m.items():
        model.prob += m - model.y[e] <= 0, f"mandataire_is_member_{label(e)}"


def define_territory_constraints(model: Model) -> None:
    """At least one member based in each territory that has sites; soft, with a penalty."""
    elig = model.elig
    if not elig.problem.options.territorial_presence:
        return
    for territory in sorted({s.territory for s in elig.sites if s.territory}):
        based = [
            y
            for entity, y in model.y.items()
            if any(elig.members[e].territory == territory for e in elig.entities[entity])
        ]
        if not based:
            model.skipped_territories.append(territory)
            continue
        gap = model.prob.add_variable(f"territory_gap_{len(model.territory_gap)}", lowBound=0, upBound=1)
        model.territory_gap[territory] = gap
        model.prob += pulp.lpSum(based) + gap >= 1, f"territory_{label(territory)}"


def define_insertion_constraints(model: Model) -> None:
    """Clause sociale per lot: insertion hours delivered + shortfall ≥ the lot's `insertion_hours`.
    Delivered = Σ a structure's own hours on the lot × its `insertion_rate` + Σ hours put at disposal
    by AI/ETTI on the lot (their staff are in an insertion pathway)."""
    for lot_id, short in model.shortfall.items():
        lot = model.elig.lot(lot_id)
        model.prob += (
            pulp.LpAffineExpression([*insertion_terms(model, lot_id), (short, 1.0)]) >= lot.insertion_hours,
            f"insertion_{label(lot_id)}",
        )


def insertion_terms(model: Model, lot: str) -> list[tuple[pulp.LpVariable, float]]:
    elig = model.elig
    terms: list[tuple[pulp.LpVariable, float]] = []
    for (k, e), x in model.x.items():
        if elig.sites[k].lot == lot:
            terms.append((x, elig.sites[k].hours * elig.members[e].insertion))
    for arc, z in model.z.items():
        if arc.lot == lot:
            terms.append((z, 1.0 - elig.members[arc.member].insertion))
    for sub, w in model.w.items():
        if sub.lot == lot:
            terms.append((w, -elig.members[sub.member].insertion))
    return terms


def load_ratio(model: Model, entity: str) -> pulp.LpAffineExpression:
    """Own hours (assigned − put at disposal − subcontracted) ÷ capacity in the tender's trades."""
    elig = model.elig
    cap = elig.entity_tender_capacity(entity)
    staffed, subbed = _arcs_by_member(model), _sub_arcs_by_member(model)
    own = [(x, h / cap) for x, h in _entity_hours(model, entity)]
    own += [(model.z[a], -1.0 / cap) for e in elig.entities[entity] for a in staffed[e]]
    own += [(model.w[a], -1.0 / cap) for e in elig.entities[entity] for a in subbed[e]]
    return pulp.LpAffineExpression(own)


def define_balance_constraints(model: Model) -> None:
    """max − min of the members' load ratios; big-M = 1 because a load ratio lies in [0, 1]."""
    if model.elig.problem.options.weights.balance <= 0 or len(model.y) < 2:
        return
    high = model.prob.add_variable("load_max", lowBound=0, upBound=1)
    low = model.prob.add_variable("load_min", lowBound=0, upBound=1)
    model.spread = (high, low)
    for e, y in model.y.items():
        ratio = load_ratio(model, e)
        model.prob += ratio - high <= 0, f"load_max_{label(e)}"
        model.prob += low - ratio + y <= 1, f"load_min_{label(e)}"
    # valid for every plan (a plan has at least its mandataire), yet the relaxation would otherwise take
    # load_min above load_max, a negative spread that hides the balance term from the bound
    model.prob += high - low >= 0, "load_max_above_min"


# --- objective -------------------------------------------------------------------------------------


def define_objective(model: Model, with_balance: bool = True) -> None:
    """The weighted objective; `with_balance=False` leaves the spread out (the first stage)."""
    elig, sc = model.elig, model.scales
    o = elig.problem.options
    w = o.weights
    terms: list[tuple[pulp.LpVariable, float]] = []
    if w.distance > 0:
        terms += [
            (x, w.distance * elig.sites[k].hours * elig.pairs[k, e] / sc.hours_km)
            for (k, e), x in model.x.items()
        ]
    if w.members > 0:
        terms += [(y, w.members / sc.members) for y in model.y.values()]
    if w.staffing > 0:
        terms += [(z, -w.staffing / sc.hours) for z in model.z.values()]
    terms += [(v, SUBCONTRACTING_COST / sc.hours) for v in model.w.values()]
    terms += [(short, sc.insertion[lot]) for lot, short in model.shortfall.items()]
    if model.spread is not None and with_balance:
        terms += [(model.spread[0], w.balance), (model.spread[1], -w.balance)]
    terms += [(u, sc.uncovered[k]) for k, u in model.uncovered.items()]
    terms += [(g, sc.territory) for g in model.territory_gap.values()]
    constant = 0.0
    if o.baseline is not None and sc.move > 0:
        for k, site in enumerate(elig.sites):
            before = o.baseline.assignments.get(site.id)
            if before is None:
                continue
            constant += sc.move
            if (k, before) in model.x:
                terms.append((model.x[k, before], -sc.move))
        # changing the mandataire costs like moving a site, when the former one can still lead
        kept = o.baseline.mandataire
        if kept is not None and kept in model.m:
            constant += sc.move
            terms.append((model.m[kept], -sc.move))
    model.prob.setObjective(pulp.LpAffineExpression(terms, constant=constant))


def build(elig: Eligibility, name: str = "gme", *, nearest: int | None = None, strong: bool = True) -> Model:
    prob = pulp.LpProblem(label(name) or "gme", pulp.LpMinimize)
    model = Model(
        prob=prob,
        elig=elig,
        scales=scales(elig),
        x=define_assignment_variables(prob, elig),
        y=define_membership_variables(prob, elig),
        m=define_mandataire_variables(prob, elig),
        z=define_staffing_variables(prob, elig),
        uncovered=define_uncovered_variables(prob, elig),
        w=define_sous_traitance_variables(prob, elig),
        shortfall=define_shortfall_variables(prob, elig),
    )
    model.site_index = {x.name: k for (k, _), x in model.x.items()}
    define_coverage_constraints(model)
    define_membership_constraints(model, nearest, strong)
    define_capacity_constraints(model)
    define_staffing_constraints(model)
    define_subcontracting_constraints(model)
    define_share_constraints(model)
    define_group_constraints(model)
    define_territory_constraints(model)
    define_insertion_constraints(model)
    define_balance_constraints(model)
    define_objective(model)
    return model


def define_member_count(model: Model) -> None:
    """An integer variable n = Σ_E y[E], the number of members. It cuts no plan off, but the engine may
    branch on it: in the linear relaxation the members' term is paid by fractions of many entities, and
    a branch on their number (n ≤ k or n ≥ k + 1) lifts the bound far more than a branch on any one
    entity (measured: BENCHMARKS.md)."""
    if len(model.y) < 2 or model.count is not None:
        return
    high = model.elig.problem.options.max_members or len(model.y)
    count = model.prob.add_variable("members_count", lowBound=0, upBound=high, cat=pulp.LpInteger)
    model.prob += pulp.lpSum(model.y.values()) - count == 0, "members_count"
    model.count = count


def sync_count(model: Model) -> None:
    """After the memberships held in the variables changed: the member count follows them."""
    if model.count is not None:
        model.count.varValue = float(sum(round(y.varValue or 0.0) for y in model.y.values()))


def exclude_grouping(model: Model, members: set[str], rank: int) -> None:
    """No-good cut on membership: the next grouping differs by at least one member."""
    terms = [(y, -1.0 if e in members else 1.0) for e, y in model.y.items()]
    model.prob += pulp.LpAffineExpression(terms) >= 1 - len(members), f"not_grouping_{rank}"
