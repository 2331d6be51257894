"""Diagnostics in a coordinator's words: why a site is uncovered, why a structure is left out.

Codes are stable; messages are in English and name the site or structure.
"""

from __future__ import annotations

import math

from solver.eligibility import Eligibility, SiteItem
from solver.geo import haversine_km
from solver.plan import Diagnostic, Grouping


def no_possible_mandataire(elig: Eligibility) -> Diagnostic:
    able = [st for st in elig.problem.structures if st.can_lead]
    if not able:
        why = "no structure is marked as able to lead (can_lead)"
    else:
        names = ", ".join(st.name or st.id for st in able[:5])
        why = (
            f"the structures able to lead ({names}) cannot be co-traitants here "
            "(kind, trade, distance or excluded)"
        )
    return Diagnostic(
        code="no_possible_mandataire",
        message=f"No possible mandataire: {why}. A GME needs one member able to carry it before the buyer.",
    )


def mandataire_candidates(elig: Eligibility) -> list[str]:
    required = set(elig.problem.options.required)
    return [e for e, st in elig.members.items() if st.can_lead and (e in elig.by_member or e in required)]


def before_solving(elig: Eligibility) -> list[Diagnostic]:
    found = []
    for e in elig.problem.options.required:
        if e in elig.members and e not in elig.by_member:
            found.append(
                Diagnostic(
                    code="required_structure_without_site",
                    structure=e,
                    message=f"{_name(elig, e)} is required but no site of the tender is within its reach: "
                    "it is a member without a site.",
                )
            )
        elif e not in elig.members:
            _, why = elig.leave_reasons[e]
            found.append(
                Diagnostic(
                    code="required_structure_not_possible", structure=e, message=f"Required, but: {why}"
                )
            )
    return found


def infeasible(elig: Eligibility) -> Diagnostic:
    o = elig.problem.options
    rules = [f"at most {o.max_members} members"] if o.max_members else []
    if o.required:
        rules.append(f"required members {', '.join(o.required)}")
    if o.min_member_share > 0:
        rules.append(f"each member's share at least {o.min_member_share:.0%}")
    if o.max_dependence is not None:
        rules.append("the caps on dependence on this tender (share of annual turnover)")
    return Diagnostic(
        code="rules_infeasible",
        message="No grouping satisfies all the rules together: "
        + "; ".join(rules or ["one mandataire"])
        + ".",
    )


def _name(elig: Eligibility, structure_id: str) -> str:
    for st in elig.problem.structures:
        if st.id == structure_id:
            return st.name or st.id
    return structure_id


def _uncovered(elig: Eligibility, site: SiteItem) -> Diagnostic:
    if elig.by_site[site.index]:
        n = len(elig.by_site[site.index])
        return Diagnostic(
            code="site_uncovered_capacity_exhausted",
            site=site.id,
            message=f"Site {site.id} is uncovered: the {n} structure(s) in reach holding the trade "
            f"{site.trade} have their capacity taken (or are held back by the caps on members, share "
            "or dependence).",
        )
    holders = [st for st in elig.members.values() if st.capacities.get(site.trade, 0.0) > 0] + [
        st
        for st in elig.problem.structures
        if st.capacities.get(site.trade, 0.0) > 0
        and elig.leave_reasons.get(st.id, ("",))[0].endswith("distance")
    ]
    if holders:
        nearest = min(holders, key=lambda st: haversine_km(site.lat, site.lon, st.lat, st.lon))
        d = haversine_km(site.lat, site.lon, nearest.lat, nearest.lon)
        reach = nearest.max_distance_km if nearest.max_distance_km is not None else math.inf
        limit = min(reach, elig.problem.options.max_distance_km or math.inf)
        detail = (
            f"the nearest, {nearest.name or nearest.id}, is {d:.1f} km away and works within {limit:g} km"
        )
    else:
        detail = "no possible co-traitant holds this trade"
    return Diagnostic(
        code="site_uncovered_no_structure_in_reach",
        site=site.id,
        message=f"Site {site.id} is uncovered: no structure holding the trade {site.trade} is within "
        f"reach ({detail}).",
    )


def unreachable_sites(elig: Eligibility) -> list[Diagnostic]:
    """Sites no possible co-traitant can reach, whatever the grouping."""
    return [_uncovered(elig, s) for s in elig.sites if not elig.by_site[s.index]]


def after_solving(
    elig: Eligibility, best: Grouping, missing_territories: list[str], skipped: list[str]
) -> list[Diagnostic]:
    found = [_uncovered(elig, elig.sites[k]) for k, s in enumerate(elig.sites) if s.id in set(best.uncovered)]
    in_plan = {m.structure for m in best.members} | {sc.to for sc in best.subcontracts}
    for st in elig.problem.structures:
        if st.id in in_plan:
            continue
        if st.id in elig.leave_reasons:
            code, message = elig.leave_reasons[st.id]
        elif st.id in elig.intermediaries:
            code, message = (
                "structure_not_selected_not_needed",
                f"{st.name or st.id} ({st.kind.value}, sous-traitant) gets no subcontracted hours in the "
                "best grouping.",
            )
        else:
            code, message = (
                "structure_not_selected_not_needed",
                f"{st.name or st.id} could take part but the best grouping does without it "
                "(others are nearer, fewer members are needed, or it would unbalance the split).",
            )
        found.append(Diagnostic(code=code, structure=st.id, message=message))
    for territory in missing_territories:
        why = (
            "no possible member is based there"
            if territory in skipped
            else "no grouping within the other rules has a member based there"
        )
        found.append(
            Diagnostic(
                code="territory_without_member",
                message=f"Territory {territory} has sites but no member of the grouping is based "
                f"there: {why}.",
            )
        )
    return found
