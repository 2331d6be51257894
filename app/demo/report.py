"""The demo's printed summary of a plan: what a coordinator reads before proposing a grouping.

Everything is shown with the structures' names, not their ids, and in the users' words (mandataire,
co-traitant, sous-traitant). Figures come from the plan; coverage per lot and per territory is counted
here from the plan's assignments and the problem's sites.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from solver.plan import Grouping, Plan
from solver.problem import PlanningProblem, StructureSpec

# Diagnostics about structures a coordinator left out on purpose, or summed up in one line.
_ROUTINE = frozenset({"structure_not_selected_not_needed", "structure_not_selected_excluded"})
_NAME_WIDTH = 34


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _eur(value: float) -> str:
    return f"{value:,.0f} €".replace(",", " ")


def _hours(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


class PlanReport:
    """The tables of one scenario's plan."""

    def __init__(self, problem: PlanningProblem, plan: Plan, *, not_invited: Iterable[str] = ()) -> None:
        self.problem = problem
        self.plan = plan
        self.structures: dict[str, StructureSpec] = {s.id: s for s in problem.structures}
        self.not_invited = set(not_invited)
        self.site_of = {site.id: (lot, site) for lot, site in problem.tender.sites()}

    def name(self, structure_id: str) -> str:
        st = self.structures.get(structure_id)
        return (st.name or structure_id) if st is not None else structure_id

    def labelled(self, structure_id: str) -> str:
        """The name with the kind: one SIRET may hold two conventions (an EI and an ACI) under one name."""
        st = self.structures.get(structure_id)
        return f"{self.name(structure_id)} ({st.kind.value})" if st is not None else structure_id

    def header(self) -> Text:
        tender = self.problem.tender
        hours = sum(site.hours for _, site in tender.sites())
        value = sum(site.value_eur for _, site in tender.sites())
        s = self.plan.solver
        text = Text()
        text.append(f"{tender.reference} · {tender.title}\n", style="bold")
        text.append(
            f"{tender.kind} · {len(tender.lots)} lot(s) · {len(self.site_of)} sites · "
            f"{_hours(hours)} h · {_eur(value)}\n"
        )
        text.append(f"solver: {self.plan.status} · {s.name} · {s.seconds:.1f} s")
        if s.gap is not None:
            text.append(f" · gap {s.gap:.1%}")
            if self.plan.status != "optimal":
                # A time-limited plan is still valid; the gap says how much better one could be at most.
                text.append(
                    f" (the best grouping's objective is proven within {s.gap:.1%} of the best possible)"
                )
        if s.stages:
            stages = [
                f"{st.name} {st.status} {st.seconds:.1f} s" + (f" gap {st.gap:.1%}" if st.gap else "")
                for st in s.stages
            ]
            text.append(f"\nsolver stages: {' · '.join(stages)}")
        return text

    def members(self, grouping: Grouping) -> Table:
        sites = Counter(a.structure for a in grouping.assignments)
        table = Table(
            box=box.SIMPLE_HEAD,
            title=f"Grouping {grouping.rank}: {grouping.terms.members} members",
            title_justify="left",
        )
        table.add_column("member", max_width=_NAME_WIDTH, overflow="ellipsis", no_wrap=True)
        table.add_column("kind")
        table.add_column("role", no_wrap=True)
        table.add_column("territory", no_wrap=True)
        for column in (
            "sites",
            "hours",
            "own h",
            "revenue",
            "tender share",
            "own turnover",
            "load",
            "mean km",
        ):
            table.add_column(column, justify="right")
        for m in sorted(grouping.members, key=lambda m: (m.role != "mandataire", -m.hours)):
            st = self.structures.get(m.structure)
            table.add_row(
                self.name(m.structure),
                st.kind.value if st else "?",
                m.role,
                (st.territory if st else None) or "-",
                str(sites[m.structure]),
                _hours(m.hours),
                _hours(m.own_hours),
                _eur(m.revenue_eur),
                _pct(m.tender_share),
                _pct(m.turnover_share),
                f"{m.load_ratio:.2f}",
                f"{m.mean_distance_km:.1f}",
                style="bold" if m.role == "mandataire" else None,
            )
        return table

    def subcontracts(self, grouping: Grouping) -> Table | None:
        if not grouping.subcontracts:
            return None
        table = Table(box=box.SIMPLE_HEAD, title="Subcontracting (DC4)", title_justify="left")
        table.add_column("co-traitant", max_width=_NAME_WIDTH, overflow="ellipsis", no_wrap=True)
        table.add_column("sous-traitant", max_width=_NAME_WIDTH, overflow="ellipsis", no_wrap=True)
        table.add_column("kind")
        table.add_column("hours", justify="right")
        table.add_column("value", justify="right")
        for line in sorted(grouping.subcontracts, key=lambda sc: (sc.to, -sc.hours)):
            st = self.structures.get(line.to)
            table.add_row(
                self.name(line.from_),
                self.name(line.to),
                st.kind.value if st else "?",
                _hours(line.hours),
                _eur(line.value_eur),
            )
        total_h = sum(sc.hours for sc in grouping.subcontracts)
        total_v = sum(sc.value_eur for sc in grouping.subcontracts)
        table.add_row("total", "", "", _hours(total_h), _eur(total_v), style="bold")
        return table

    def coverage(self, grouping: Grouping) -> Table:
        """Sites covered per lot and per territory, and the members based in each territory."""
        covered = {a.site for a in grouping.assignments}
        carried_by = {a.site: a.structure for a in grouping.assignments}
        table = Table(
            box=box.SIMPLE_HEAD,
            title="Coverage",
            title_justify="left",
            caption="members: those carrying the lot's sites, or based in the territory",
            caption_justify="left",
        )
        table.add_column("lot / territory")
        for column in ("sites", "covered", "hours", "members"):
            table.add_column(column, justify="right")
        for lot in self.problem.tender.lots:
            done = [s for s in lot.sites if s.id in covered]
            table.add_row(
                f"{lot.id} {lot.title or lot.trade}",
                str(len(lot.sites)),
                str(len(done)),
                _hours(sum(s.hours for s in lot.sites)),
                str(len({carried_by[s.id] for s in done})),
            )
        by_territory: dict[str, list[str]] = defaultdict(list)
        for site_id, (_, site) in self.site_of.items():
            by_territory[site.territory or "-"].append(site_id)
        based = Counter(
            st.territory for m in grouping.members if (st := self.structures.get(m.structure)) is not None
        )
        for territory in sorted(by_territory):
            ids = by_territory[territory]
            table.add_row(
                Text(territory, style="italic"),
                str(len(ids)),
                str(sum(i in covered for i in ids)),
                _hours(sum(self.site_of[i][1].hours for i in ids)),
                str(based.get(territory, 0)),
            )
        return table

    def alternatives(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, title="Groupings found, best first", title_justify="left")
        for column in (
            "rank",
            "objective",
            "members",
            "mandataire",
            "hour·km",
            "load spread",
            "subcontracted h",
        ):
            table.add_column(column, justify="left" if column == "mandataire" else "right")
        table.add_column("uncovered", justify="right")
        table.add_column("differs from 1", max_width=40, overflow="fold")
        first = {m.structure for m in self.plan.groupings[0].members}
        for g in self.plan.groupings:
            t = g.terms
            members = {m.structure for m in g.members}
            added = [f"+{self.labelled(s)}" for s in sorted(members - first)]
            removed = [f"−{self.labelled(s)}" for s in sorted(first - members)]
            table.add_row(
                str(g.rank),
                f"{g.objective:.4g}",
                str(t.members),
                self.name(g.mandataire),
                _hours(t.distance_hour_km),
                f"{t.balance_spread:.3f}",
                _hours(t.subcontracted_hours),
                str(len(g.uncovered)),
                ", ".join(added + removed),
            )
        return table

    def diagnostics(self) -> list[Text]:
        lines = []
        left_out = []
        for d in self.plan.diagnostics:
            if d.structure is not None and d.structure in self.not_invited:
                continue  # not invited to this tender: nothing to say about it
            if d.code == "structure_not_selected_not_needed" and d.structure is not None:
                left_out.append(self.labelled(d.structure))
            elif d.code not in _ROUTINE:
                lines.append(Text(f"[{d.code}] {d.message}"))
        if left_out:
            lines.append(
                Text(
                    "Invited, could take part, but the best grouping does without them: "
                    f"{', '.join(sorted(left_out))}."
                )
            )
        return lines

    def render(self) -> RenderableType:
        parts: list[RenderableType] = [self.header()]
        if not self.plan.groupings:
            parts.append(Text("No grouping found.", style="bold red"))
        else:
            best = self.plan.groupings[0]
            parts.append(self.members(best))
            sub = self.subcontracts(best)
            if sub is not None:
                parts.append(sub)
            parts.append(self.coverage(best))
            if best.uncovered:
                names = ", ".join(f"{i} {self.site_of[i][1].name}".strip() for i in best.uncovered)
                parts.append(Text(f"Uncovered: {names}", style="bold red"))
            parts.append(self.alternatives())
        parts.extend(self.diagnostics())
        return Group(*parts)
