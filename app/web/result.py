"""What the résultat page shows, computed from the stored plan (its problem and its result) alone.

Everything here reads the planner's figures and puts them in a coordinator's terms; nothing is
re-optimised or re-decided: the figures are those of the plan and of the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from app.web import svgmap, why
from app.web.format import pourcent


@dataclass
class Context:
    """A plan's problem, indexed for the page."""

    structures: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, Any]]
    lot_of_site: dict[str, dict[str, Any]]
    lots: list[dict[str, Any]]
    excluded: set[str]

    @classmethod
    def of(cls, problem: dict[str, Any]) -> Context:
        lots = list(problem.get("tender", {}).get("lots", []))
        sites = {s["id"]: s for lot in lots for s in lot.get("sites", [])}
        lot_of_site = {s["id"]: lot for lot in lots for s in lot.get("sites", [])}
        structures = {str(s["id"]): s for s in problem.get("structures", [])}
        excluded = {str(s) for s in problem.get("options", {}).get("excluded", [])}
        return cls(structures, sites, lot_of_site, lots, excluded)

    def name(self, structure_id: str | None) -> str:
        if structure_id is None:
            return "–"
        spec = self.structures.get(str(structure_id))
        return str(spec.get("name") or structure_id) if spec else str(structure_id)

    def kind(self, structure_id: str) -> str:
        return str(self.structures.get(str(structure_id), {}).get("kind", ""))


@dataclass
class GroupingView:
    rank: int
    data: dict[str, Any]
    members: list[dict[str, Any]]
    colour: dict[str, str] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # structure id -> member's structure id

    @property
    def member_ids(self) -> set[str]:
        return {m["structure"] for m in self.members}

    @property
    def assigned(self) -> dict[str, str]:
        return {a["site"]: str(a["structure"]) for a in self.data.get("assignments", [])}


def grouping_view(grouping: dict[str, Any]) -> GroupingView:
    members = [dict(m) for m in grouping.get("members", [])]
    view = GroupingView(int(grouping.get("rank", 0)), grouping, members)
    for i, member in enumerate(members):
        member["structure"] = str(member["structure"])
        view.colour[member["structure"]] = svgmap.colour_of(i)
        for sid in member.get("structures") or [member["structure"]]:
            view.owner[str(sid)] = member["structure"]
    return view


def member_rows(ctx: Context, view: GroupingView) -> list[dict[str, Any]]:
    sites_of: dict[str, int] = {}
    for structure in view.assigned.values():
        owner = view.owner.get(structure, structure)
        sites_of[owner] = sites_of.get(owner, 0) + 1
    rows = []
    for m in view.members:
        ids = [str(s) for s in (m.get("structures") or [m["structure"]])]
        spec = ctx.structures.get(m["structure"], {})
        rows.append(
            m
            | {
                "name": " + ".join(ctx.name(s) for s in ids),
                "kind": spec.get("kind", ""),
                "territory": spec.get("territory"),
                "sites": sites_of.get(m["structure"], 0),
                "colour": view.colour[m["structure"]],
                "establishments": len(ids),
            }
        )
    return rows


def flow_rows(ctx: Context, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Staffing (mises à disposition) or subcontracting lines with the structures' names."""
    return [
        line
        | {
            "from_name": ctx.name(line.get("from")),
            "from_kind": ctx.kind(str(line.get("from"))),
            "to_name": ctx.name(line.get("to")),
            "to_kind": ctx.kind(str(line.get("to"))),
        }
        for line in lines
    ]


def coverage(ctx: Context, view: GroupingView) -> dict[str, list[dict[str, Any]]]:
    assigned = view.assigned

    def row(label: str, site_ids: list[str]) -> dict[str, Any]:
        covered = [s for s in site_ids if s in assigned]
        members = {view.owner.get(assigned[s], assigned[s]) for s in covered}
        return {
            "label": label,
            "sites": len(site_ids),
            "covered": len(covered),
            "hours": sum(float(ctx.sites[s].get("hours", 0)) for s in site_ids),
            "members": len(members),
        }

    by_lot = [
        row(f"{lot['id']} {lot.get('title', '')}".strip(), [s["id"] for s in lot.get("sites", [])])
        for lot in ctx.lots
    ]
    territories: dict[str, list[str]] = {}
    for sid, site in ctx.sites.items():
        territories.setdefault(site.get("territory") or "sans territoire", []).append(sid)
    by_territory = [row(t, ids) for t, ids in sorted(territories.items())]
    return {"lots": by_lot, "territories": by_territory}


def quality(result: dict[str, Any]) -> dict[str, str]:
    """The solver's promise, in words."""
    status = result.get("status")
    gap = (result.get("solver") or {}).get("gap")
    if status == "optimal":
        return {
            "tone": "ok",
            "text": "Meilleur groupement prouvé : aucun autre ne fait mieux selon ces critères.",
        }
    if status in ("feasible", "timeout") and result.get("groupings"):
        if gap is None or gap >= 1:
            # No bound, or one so far below that the gap promises nothing a reader can use.
            return {
                "tone": "info",
                "text": "Groupement valide ; le temps de calcul n'a pas suffi pour mesurer l'écart "
                "avec le meilleur groupement possible : allongez-le pour obtenir une garantie.",
            }
        decimals = 2 if gap < 0.001 else 1
        return {
            "tone": "info",
            "text": f"Au plus {pourcent(gap, decimals)} d'écart avec le meilleur groupement possible "
            "(le calcul s'est arrêté au temps fixé).",
        }
    if status == "infeasible":
        return {
            "tone": "alerte",
            "text": "Aucun groupement ne respecte toutes les règles : voir pourquoi ci-dessous.",
        }
    return {"tone": "alerte", "text": "Le calcul n'a pas abouti à un groupement."}


def summary(ctx: Context, view: GroupingView, best: GroupingView | None) -> dict[str, Any]:
    """One column of the side-by-side comparison."""
    terms = view.data.get("terms", {})
    hours = sum(float(ctx.sites[s].get("hours", 0)) for s in view.assigned if s in ctx.sites)
    staffing = terms.get("staffing_hours")
    if staffing is None:
        staffing = sum(float(line.get("hours", 0)) for line in view.data.get("staffing", []))
    column: dict[str, Any] = {
        "rank": view.rank,
        "members": len(view.members),
        "mandataire": ctx.name(view.data.get("mandataire")),
        "form": view.data.get("form"),
        "km_per_hour": (float(terms.get("distance_hour_km", 0)) / hours) if hours else None,
        "balance_spread": terms.get("balance_spread"),
        "subcontracted_hours": terms.get("subcontracted_hours", 0),
        "staffing_hours": staffing,
        "insertion_hours": terms.get("insertion_hours"),
        "uncovered": len(view.data.get("uncovered", [])),
        "objective": view.data.get("objective"),
    }
    if best is not None and best.rank != view.rank:
        column["differs"] = differences(ctx, best, view)
        base = best.data.get("objective")
        if base:
            column["worse_by"] = (float(view.data.get("objective", 0)) - float(base)) / abs(float(base))
    return column


def differences(ctx: Context, a: GroupingView, b: GroupingView) -> dict[str, Any]:
    """What changes from grouping a to grouping b."""
    moved = sum(1 for site, s in b.assigned.items() if a.assigned.get(site) != s)
    return {
        "added": sorted(ctx.name(s) for s in b.member_ids - a.member_ids),
        "removed": sorted(ctx.name(s) for s in a.member_ids - b.member_ids),
        "mandataire": a.data.get("mandataire") != b.data.get("mandataire"),
        "moved": moved,
    }


def mandataire_reason(ctx: Context, view: GroupingView, rows: list[dict[str, Any]]) -> str:
    lead = str(view.data.get("mandataire"))
    row = next((r for r in rows if r["structure"] == lead), None)
    if row is None:
        return ""
    able = [r for r in rows if ctx.structures.get(r["structure"], {}).get("can_lead")]
    share = float(row.get("tender_share") or 0)
    biggest = max(rows, key=lambda r: float(r.get("tender_share") or 0))
    text = (
        f"{row['name']} est mandataire : l'annuaire la déclare capable de mener un groupement"
        f" ({len(able)} membre{'s' if len(able) > 1 else ''} sur {len(rows)} le sont)"
    )
    if biggest is row:
        text += f", et elle porte la plus grande part du marché ({pourcent(share)})."
    else:
        text += (
            f" ; elle porte {pourcent(share)} du marché, et ce choix donne le meilleur groupement "
            "au regard des critères."
        )
    return text


def left_out(ctx: Context, view: GroupingView, diagnostics: list[dict[str, Any]]) -> list[dict[str, str]]:
    codes = {str(d["structure"]): d.get("code") for d in diagnostics if d.get("structure")}
    in_plan = set(view.owner) | {str(line.get("to")) for line in view.data.get("subcontracts", [])}
    in_plan |= {str(line.get("from")) for line in view.data.get("staffing", [])}
    out = []
    for sid, spec in ctx.structures.items():
        if sid in in_plan:
            continue
        code = "structure_not_selected_excluded" if sid in ctx.excluded else codes.get(sid)
        if code is None and view.rank == 0:
            reason = "elle pouvait participer : ce sont les règles prises ensemble qui ne peuvent être tenues"
            out.append(
                {"id": sid, "name": ctx.name(sid), "kind": str(spec.get("kind", "")), "reason": reason}
            )
            continue
        out.append(
            {
                "id": sid,
                "name": ctx.name(sid),
                "kind": str(spec.get("kind", "")),
                "reason": why.left_out_reason(code),
            }
        )
    # The structures the coordinator did not invite last: they are the least surprising.
    return sorted(
        out, key=lambda r: (r["reason"] == why.LEFT_OUT["structure_not_selected_excluded"], r["name"])
    )


def uncovered(ctx: Context, view: GroupingView, diagnostics: list[dict[str, Any]]) -> list[dict[str, str]]:
    codes = {str(d["site"]): d.get("code") for d in diagnostics if d.get("site")}
    return [
        {
            "id": s,
            "name": str(ctx.sites.get(s, {}).get("name") or s),
            "reason": why.uncovered_reason(codes.get(s)),
        }
        for s in view.data.get("uncovered", [])
    ]


def result_map(ctx: Context, view: GroupingView, rows: list[dict[str, Any]], reference: str) -> Markup:
    assigned = view.assigned
    sites = []
    for sid, site in ctx.sites.items():
        structure = assigned.get(sid)
        owner = view.owner.get(structure, structure) if structure else None
        colour = view.colour.get(owner, svgmap.UNCOVERED) if owner else svgmap.UNCOVERED
        who = ctx.name(owner) if owner else "non couvert"
        sites.append(
            svgmap.Point(sid, f"{site.get('name') or sid} : {who}", site["lat"], site["lon"], colour)
        )
    bases = []
    for row in rows:
        for sid in row.get("structures") or [row["structure"]]:
            spec = ctx.structures.get(str(sid))
            if spec is not None:
                bases.append(
                    svgmap.Point(
                        str(sid), f"Siège de {ctx.name(str(sid))}", spec["lat"], spec["lon"], row["colour"]
                    )
                )
    return svgmap.draw(
        sites,
        bases,
        f"Carte du groupement {view.rank} pour {reference}",
        f"{len(sites)} sites colorés selon le membre qui les prend en charge, et le siège de chacun des "
        f"{len(rows)} membres (carrés), sur les communes de Seine-Saint-Denis.",
    )
