"""What the integrations know of a structure and of an accepted grouping, outside the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solver.plan import Grouping
from solver.problem import INTERMEDIARY_KINDS, StructureKind

# The kinds of SIAE: a grouping made of them alone is a GMES, answering "solidaire".
SIAE_KINDS = frozenset({StructureKind.EI, StructureKind.ACI, StructureKind.EITI} | INTERMEDIARY_KINDS)


@dataclass(frozen=True)
class PartyInfo:
    """A structure as the buyer sees it; `id` is the structure's id in the plan."""

    id: str
    name: str
    siret: str | None = None
    kind: str | None = None
    address: str | None = None
    postcode: str | None = None
    commune: str | None = None


def parties_from_problem(
    problem: dict[str, Any], extra: dict[str, PartyInfo] | None = None
) -> dict[str, PartyInfo]:
    """The structures of a planning problem, completed by what the directory knows (their address)."""
    out: dict[str, PartyInfo] = {}
    for s in problem.get("structures", []):
        known = (extra or {}).get(str(s["id"]))
        out[str(s["id"])] = known or PartyInfo(
            str(s["id"]), s.get("name") or str(s["id"]), s.get("siret"), s.get("kind")
        )
    return out


def lots_of(grouping: Grouping, tender: dict[str, Any]) -> dict[str, list[str]]:
    """Structure id -> ids of the lots in which it carries out sites, in the tender's lot order."""
    site_lot = {str(site["id"]): str(lot["id"]) for lot in tender["lots"] for site in lot["sites"]}
    lot_order = [str(lot["id"]) for lot in tender["lots"]]
    lots: dict[str, set[str]] = {}
    for a in grouping.assignments:
        if a.site in site_lot:
            lots.setdefault(a.structure, set()).add(site_lot[a.site])
    return {s: [lot for lot in lot_order if lot in found] for s, found in lots.items()}


def answered_lots(grouping: Grouping, tender: dict[str, Any]) -> list[str]:
    found = {lot for lots in lots_of(grouping, tender).values() for lot in lots}
    return [str(lot["id"]) for lot in tender["lots"] if str(lot["id"]) in found]


def assigned_values(grouping: Grouping, tender: dict[str, Any]) -> dict[str, float]:
    """Member -> value in euros of the sites it answers for, subcontracted parts included."""
    value = {str(site["id"]): float(site["value_eur"]) for lot in tender["lots"] for site in lot["sites"]}
    out = {m.structure: 0.0 for m in grouping.members}
    for a in grouping.assignments:
        out[a.structure] = out.get(a.structure, 0.0) + value.get(a.site, 0.0)
    return out
