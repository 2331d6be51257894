"""The mixed-integer model, built by a flat sequence of named builders.

Variables, then constraints, then the objective. Each builder reads the eligibility data, returns early
when its part is empty and names its constraints after the data (`cover_<site>`, `capacity_<structure>_
<trade>`, ...), so that a constraint in a solver log maps back to a site, a structure or a trade.

Normalisation of the objective (weights then mean what a coordinator thinks):

- distance: Σ h_s·d(s,e)·x[s,e] ÷ (total hours × reference distance). 1.0 means "every hour of the tender
  travels `options.reference_distance_km`" (default 10 km);
- balance: max − min of the members' load ratios; already in [0, 1] (0 = every member equally loaded);
- members: number of members ÷ `max_members` (or ÷ the number of possible members when no maximum);
- subcontracting: hours subcontracted ÷ total hours, with a MINUS sign: a positive weight rewards work
  given to the intermédiaires (AI, ETTI);
- penalties, above the four terms: each uncovered site; each territory without a member based there
  (when `territorial_presence`); each moved site when re-planning (`baseline.move_penalty`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from solver.eligibility import Arc, Eligibility

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def label(text: str) -> str:
    """A solver-safe fragment of a constraint name, from a user's id."""
    return _UNSAFE.sub("_", text)[:40]


@dataclass(frozen=True)
class Scales:
    hours_km: float
    members: float
    hours: float
    uncovered: dict[int, float]
    territory: float
    move: float


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
    territory_gap: dict[str, pulp.LpVariable] = field(default_factory=dict)
    spread: tuple[pulp.LpVariable, pulp.LpVariable] | None = None
    skipped_territories: list[str] = field(default_factory=list)


def scales(elig: Eligibility) -> Scales:
    o = elig.problem.options
    w = o.weights
    hours = elig.total_hours
    far = max(elig.pairs.values(), default=0.0) / o.reference_distance_km
    moves = len(o.baseline.assignments) + 1 if o.baseline else 0
    above = 1.0 + w.distance * max(1.0, far) + w.balance + w.members + w.subcontracting
    above += o.baseline.move_penalty * moves if o.baseline else 0.0
    biggest = max(s.hours for s in elig.sites)
    # An uncovered site costs more than the four terms can ever differ between two plans; bigger sites
    # cost a bit more, so a shortage leaves the smaller sites uncovered first. No larger: a huge penalty
    # beside costs of 1e-6 makes the engine's linear algebra slow and fragile.
    uncovered = {s.index: above * (1.0 + s.hours / biggest) for s in elig.sites}
    return Scales(
        hours_km=hours * o.reference_distance_km,
        members=float(o.max_members or max(1, len(elig.members))),
        hours=hours,
        uncovered=uncovered,
        territory=above,
        move=o.baseline.move_penalty if o.baseline else 0.0,
    )


# --- variables -------------------------------------------------------------------------------------


def define_assignment_variables(
    prob: pulp.LpProblem, elig: Eligibility
) -> dict[tuple[int, str], pulp.LpVariable]:
    index = {e: j for j, e in enumerate(elig.members)}
    return {(k, e): prob.add_variable(f"x_{k}_{index[e]}", cat=pulp.LpBinary) for (k, e) in elig.pairs}


def define_membership_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[str, pulp.LpVariable]:
    required = set(elig.problem.options.required)
    # a required structure is a member whatever it costs: its membership is fixed at 1
    return {
        e: prob.add_variable(f"y_{j}", lowBound=1 if e in required else 0, upBound=1, cat=pulp.LpInteger)
        for j, e in enumerate(elig.members)
    }


def define_mandataire_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[str, pulp.LpVariable]:
    return {
        e: prob.add_variable(f"m_{j}", cat=pulp.LpBinary)
        for j, (e, st) in enumerate(elig.members.items())
        if st.can_lead
    }


def define_subcontracting_variables(prob: pulp.LpProblem, elig: Eligibility) -> dict[Arc, pulp.LpVariable]:
    o = elig.problem.options
    if not elig.arcs or o.max_subcontracting_share <= 0:
        return {}
    variables = {}
    for i, arc in enumerate(elig.arcs):
        assignable = sum(
            elig.sites[k].hours for k in elig.by_member[arc.member] if elig.sites[k].trade == arc.trade
        )
        cap = elig.intermediaries[arc.to].capacities[arc.trade]
        variables[arc] = prob.add_variable(f"z_{i}", lowBound=0, upBound=min(cap, assignable))
    return variables


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


def _arcs_by_member(model: Model) -> dict[str, list[Arc]]:
    grouped: dict[str, list[Arc]] = defaultdict(list)
    for arc in model.z:
        grouped[arc.member].append(arc)
    return grouped


def _revenue(model: Model, member: str, arcs: list[Arc]) -> pulp.LpAffineExpression:
    """Value of the member's sites minus the value it subcontracts (hours × the trade's € per hour)."""
    sites, rate = model.elig.sites, model.elig.eur_per_hour
    terms = [(model.x[k, member], sites[k].value_eur) for k in model.elig.by_member.get(member, [])]
    terms += [(model.z[a], -rate[a.trade]) for a in arcs]
    return pulp.LpAffineExpression(terms)


def define_coverage_constraints(model: Model) -> None:
    for site in model.elig.sites:
        terms = [(model.x[site.index, e], 1.0) for e in model.elig.by_site[site.index]]
        terms.append((model.uncovered[site.index], 1.0))
        model.prob += pulp.LpAffineExpression(terms) == 1, f"cover_{site.index}_{label(site.id)}"


def define_membership_constraints(model: Model, nearest: int | None = None, strong: bool = True) -> None:
    """x ≤ y: a site goes to members only.

    One row per pair bounds far better than the aggregated Σ_s x[s,e] ≤ n·y[e], but on a large tender
    it makes the engine's first relaxation take minutes. With `nearest` = K, only each site's K nearest
    pairs (where a distance-minded plan puts it) get their own row, the rest the aggregated row; when
    K > 0 each site also gets a row "some member in reach": Σ_e y[e] ≥ 1 − u[s]. `strong=False` keeps
    the aggregated rows alone, to measure the difference."""
    required = set(model.elig.problem.options.required)
    elig = model.elig
    own_row: set[tuple[int, str]] = set()
    if strong:
        for site in elig.sites:
            ranked = sorted(elig.by_site[site.index], key=lambda e: elig.pairs[site.index, e])
            own_row.update((site.index, e) for e in (ranked if nearest is None else ranked[:nearest]))
    for k, e in sorted(own_row):
        model.prob += model.x[k, e] - model.y[e] <= 0, f"member_{k}_{label(e)}"
    for e, y in model.y.items():
        sites = [k for k in elig.by_member.get(e, []) if (k, e) not in own_row]
        if sites:
            terms = [(model.x[k, e], 1.0) for k in sites] + [(y, -float(len(sites)))]
            model.prob += pulp.LpAffineExpression(terms) <= 0, f"member_{label(e)}"
    if strong and nearest:
        for site in elig.sites:
            terms = [(model.y[e], 1.0) for e in elig.by_site[site.index]] + [
                (model.uncovered[site.index], 1.0)
            ]
            model.prob += (
                pulp.LpAffineExpression(terms) >= 1,
                f"member_in_reach_{site.index}_{label(site.id)}",
            )
    for e, y in model.y.items():
        if e not in required:
            # a member with no site would be a token member: never propose one
            own = [(model.x[k, e], -1.0) for k in model.elig.by_member.get(e, [])]
            model.prob += pulp.LpAffineExpression([(y, 1.0), *own]) <= 0, f"member_works_{label(e)}"


def define_capacity_constraints(model: Model) -> None:
    """Own hours per trade (assigned − subcontracted) within the member's capacity in that trade."""
    elig, sigma = model.elig, model.elig.problem.options.max_subcontracting_share
    arcs_of = _arcs_by_member(model)
    for e, st in elig.members.items():
        trades = elig.member_trades(e)
        for t in trades:
            assigned = _hours_of(model, e, t)
            demand = sum(h for _, h in assigned)
            cap = st.capacities.get(t, 0.0)
            outsourced = [(model.z[a], -1.0) for a in arcs_of[e] if a.trade == t]
            name = f"capacity_{label(e)}_{label(t)}"
            if demand > cap:
                model.prob += pulp.LpAffineExpression([*assigned, *outsourced, (model.y[e], -cap)]) <= 0, name
            if outsourced and len(trades) == 1 and sigma < 1 and cap / (1 - sigma) < demand:
                # valid inequality: own hours plus subcontracted hours, the most a member can take on
                reach = cap / (1 - sigma)
                model.prob += pulp.LpAffineExpression([*assigned, (model.y[e], -reach)]) <= 0, f"{name}_reach"
            if outsourced and len(trades) > 1:
                model.prob += (
                    pulp.LpAffineExpression([*assigned, *outsourced]) >= 0,
                    f"own_hours_{label(e)}_{label(t)}",
                )


def define_subcontracting_constraints(model: Model) -> None:
    if not model.z:
        return
    elig, sigma = model.elig, model.elig.problem.options.max_subcontracting_share
    for e, arcs in _arcs_by_member(model).items():
        terms = [(model.z[a], 1.0) for a in arcs] + [(x, -sigma * h) for x, h in _hours_of(model, e)]
        model.prob += pulp.LpAffineExpression(terms) <= 0, f"subcontract_share_{label(e)}"
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


def define_share_constraints(model: Model) -> None:
    """Floor on a member's share of the tender; cap on its dependence on this tender."""
    elig, o = model.elig, model.elig.problem.options
    arcs_of = _arcs_by_member(model)
    total = elig.total_value
    for e, st in elig.members.items():
        revenue = _revenue(model, e, arcs_of[e])
        if o.min_member_share > 0 and total > 0:
            model.prob += revenue - o.min_member_share * total * model.y[e] >= 0, f"min_share_{label(e)}"
        cap = dependence_cap(st.kind.value, o.max_dependence, o.aci_max_dependence)
        # a structure with no turnover recorded gets no dependence cap: nothing to compare with
        if cap is not None and st.annual_turnover_eur > 0:
            model.prob += revenue <= cap * st.annual_turnover_eur, f"dependence_{label(e)}"


def dependence_cap(kind: str, max_dependence: float | None, aci_max_dependence: float | None) -> float | None:
    caps = [c for c in (max_dependence, aci_max_dependence if kind == "ACI" else None) if c is not None]
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
        based = [y for e, y in model.y.items() if elig.members[e].territory == territory]
        if not based:
            model.skipped_territories.append(territory)
            continue
        gap = model.prob.add_variable(f"territory_gap_{len(model.territory_gap)}", lowBound=0, upBound=1)
        model.territory_gap[territory] = gap
        model.prob += pulp.lpSum(based) + gap >= 1, f"territory_{label(territory)}"


def load_ratio(model: Model, member: str, arcs: list[Arc]) -> pulp.LpAffineExpression:
    cap = model.elig.tender_capacity(model.elig.members[member])
    own = [(x, h / cap) for x, h in _hours_of(model, member)] + [(model.z[a], -1.0 / cap) for a in arcs]
    return pulp.LpAffineExpression(own)


def define_balance_constraints(model: Model) -> None:
    """max − min of the members' load ratios; big-M = 1 because a load ratio lies in [0, 1]."""
    if model.elig.problem.options.weights.balance <= 0 or len(model.y) < 2:
        return
    high = model.prob.add_variable("load_max", lowBound=0, upBound=1)
    low = model.prob.add_variable("load_min", lowBound=0, upBound=1)
    model.spread = (high, low)
    arcs_of = _arcs_by_member(model)
    for e, y in model.y.items():
        ratio = load_ratio(model, e, arcs_of[e])
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
    if w.subcontracting > 0:
        terms += [(z, -w.subcontracting / sc.hours) for z in model.z.values()]
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
        z=define_subcontracting_variables(prob, elig),
        uncovered=define_uncovered_variables(prob, elig),
    )
    define_coverage_constraints(model)
    define_membership_constraints(model, nearest, strong)
    define_capacity_constraints(model)
    define_subcontracting_constraints(model)
    define_share_constraints(model)
    define_group_constraints(model)
    define_territory_constraints(model)
    define_balance_constraints(model)
    define_objective(model)
    return model


def exclude_grouping(model: Model, members: set[str], rank: int) -> None:
    """No-good cut on membership: the next grouping differs by at least one member."""
    terms = [(y, -1.0 if e in members else 1.0) for e, y in model.y.items()]
    model.prob += pulp.LpAffineExpression(terms) >= 1 - len(members), f"not_grouping_{rank}"
