"""The hard rules checked on a plan given as decisions, independently of the model.

The engine's plans keep them by construction; the local moves and re-spreads that polish a plan
(`solver.moves`, `solver.balance`, `solver.decompose`) are checked here before a plan of theirs is
kept. `violations` lists what a plan breaks, in words; an empty list means every hard rule holds (the
clause sociale is soft: a shortfall is penalised and reported, not forbidden).
"""

from __future__ import annotations

from collections import defaultdict

from solver.eligibility import Eligibility
from solver.model import aci_cap, after_award_members, ai_company_cap, dependence_cap
from solver.problem import StructureKind
from solver.results import Solution

TOLERANCE = 1e-6  # relative to the limit (at least 1 h): the engines' own tolerance on hours of thousands


def _over(hours: float, limit: float) -> bool:
    return hours > limit + TOLERANCE * max(1.0, abs(limit))


def violations(elig: Eligibility, solution: Solution) -> list[str]:
    o = elig.problem.options
    of = elig.entity_of
    found: list[str] = []
    members = set(solution.members)
    for k, e in solution.assignments.items():
        if (k, e) not in elig.pairs:
            found.append(f"site {elig.sites[k].id}: {e} may not do it")
        elif of(e) not in members:
            found.append(f"site {elig.sites[k].id}: {e} is not a member")
    if o.max_members is not None and len(members) > o.max_members:
        found.append(f"{len(members)} members, at most {o.max_members}")
    frozen = after_award_members(elig)
    if frozen is not None and members - frozen:
        found.append(f"new members after the award: {sorted(members - frozen)}")
    if solution.mandataire not in members or not any(
        elig.members[e].can_lead for e in elig.entities.get(solution.mandataire, [])
    ):
        found.append(f"mandataire {solution.mandataire} is not a member able to lead")
    required = {of(e) for e in o.required if e in elig.entity}
    hours: dict[tuple[str, str], float] = defaultdict(float)
    part: dict[tuple[str, str], float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    for k, e in solution.assignments.items():
        s = elig.sites[k]
        hours[of(e), s.trade] += s.hours
        part[e, s.lot] += s.hours
        value[of(e)] += s.value_eur
        value["structure:" + e] += s.value_eur
    working = {of(e) for e in solution.assignments.values()}
    found += [f"member {E} has no site" for E in members - working - required]
    relieved: dict[tuple[str, str], float] = defaultdict(float)
    used: dict[tuple[str, str], float] = defaultdict(float)
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    to_company: dict[tuple[str, str], float] = defaultdict(float)
    for arc, h in solution.staffing.items():
        relieved[of(arc.member), arc.trade] += h
        used[arc.member, arc.lot] += h
        supplied[arc.to, arc.trade] += h
        if (
            elig.intermediaries[arc.to].kind == StructureKind.AI
            and elig.members[of(arc.member)].form == "company"
        ):
            to_company[arc.to, of(arc.member)] += h
    subbed: dict[tuple[str, str], float] = defaultdict(float)
    taken: dict[tuple[str, str], float] = defaultdict(float)
    for sub, h in solution.subcontracts.items():
        relieved[of(sub.member), sub.trade] += h
        used[sub.member, sub.lot] += h
        subbed[sub.member, sub.lot] += h
        taken[sub.to, sub.trade] += h
        value[of(sub.member)] -= h * elig.lot_rate[sub.lot]
        value["structure:" + sub.member] -= h * elig.lot_rate[sub.lot]
        if sub.to in elig.entity and of(sub.to) in members:
            found.append(f"sous-traitant {sub.to} is a member")
    for (E, t), h in hours.items():
        if _over(h - relieved[E, t], elig.entity_capacity(E, t)):
            found.append(f"{E} over its capacity in {t}")
    sigma = o.max_subcontracting_share
    for (e, lot), h in used.items():
        if _over(h, part[e, lot]):
            found.append(f"{e}: more hours relieved than it does on lot {lot}")
        if _over(subbed[e, lot], sigma * part[e, lot]):
            found.append(f"{e} subcontracts more than its share on lot {lot}")
    for (a, t), h in supplied.items():
        if _over(h, elig.intermediaries[a].capacities.get(t, 0.0)):
            found.append(f"{a} over its capacity in {t}")
    for (a, E), h in to_company.items():
        if _over(h, ai_company_cap(elig, a)):
            found.append(f"{a} over 480 h per person towards {E}")
    for (f, t), h in taken.items():
        if _over(h, elig.subcontractors[f].capacities.get(t, 0.0)):
            found.append(f"sous-traitant {f} over its capacity in {t}")
    total = elig.total_value
    for E in members:
        structures = elig.entities[E]
        cap = dependence_cap(elig.problem, sum(elig.members[e].annual_turnover_eur for e in structures))
        if cap is not None and value[E] > cap + 1e-3:
            found.append(f"{E} over its dependence cap")
        if o.min_member_share > 0 and value[E] < o.min_member_share * total - 1e-3:
            found.append(f"{E} under the minimum share")
        for e in structures:
            aci = aci_cap(elig.problem, elig.members[e])
            if aci is not None and value["structure:" + e] > aci + 1e-3:
                found.append(f"{e} over the ACI rule (D5132-34)")
    return found
