"""The tables of a grouping in the demo's summary, in French, each within 100 columns: long names
wrap, figures never do, and a table never drops a column (rich would squeeze one to nothing when the
others take the width: the columns here are few and their headings short, on two lines if need be).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from app.demo import explain
from app.demo.french import FORMS, RESERVED, ROLES, SHORT_FORMS, eur, hours, km, number, pct, plural
from solver.plan import Grouping, Member
from solver.problem import PlanningProblem, StructureKind, StructureSpec

_NAME = 30  # width a name may take before it wraps


def _table(title: str, caption: str | None = None) -> Table:
    return Table(
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        title_style="bold",
        caption=caption,
        caption_justify="left",
        pad_edge=False,
    )


def _figures(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


class GroupingTables:
    """The names of a problem's structures, sites and lots, and the tables of its groupings."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.structures: dict[str, StructureSpec] = {s.id: s for s in problem.structures}
        self.site_of = {site.id: (lot, site) for lot, site in problem.tender.sites()}
        self.lots = {lot.id: lot for lot in problem.tender.lots}

    def name(self, structure_id: str | None) -> str:
        if structure_id is None:
            return "-"
        st = self.structures.get(structure_id)
        return (st.name or structure_id) if st is not None else structure_id

    def labelled(self, structure_id: str | None) -> str:
        """The name with the kind: one SIRET may hold two conventions (an EI and an ACI) under one name."""
        st = self.structures.get(structure_id or "")
        return f"{self.name(structure_id)} ({st.kind.value})" if st is not None else self.name(structure_id)

    def site_name(self, site_id: str | None) -> str:
        if site_id is None:
            return "-"
        found = self.site_of.get(site_id)
        return f"{site_id} {found[1].name}".strip() if found else site_id

    def kinds(self, member: Member) -> str:
        """The member's structures by kind: `EI + ACI`, `ACI ×2`."""
        ids = member.structures or [member.structure]
        counted = Counter(st.kind for i in ids if (st := self.structures.get(i)) is not None)
        order = list(StructureKind)
        return " + ".join(
            k.value if n == 1 else f"{k.value} ×{n}"
            for k, n in sorted(counted.items(), key=lambda kn: order.index(kn[0]))
        )

    def lot_label(self, lot_id: str | None) -> str:
        lot = self.lots.get(lot_id or "")
        return f"{lot_id} {lot.title or lot.trade}" if lot is not None else (lot_id or "-")

    # --- the story ---------------------------------------------------------------------------

    def members(self, grouping: Grouping) -> Table:
        entities = len(grouping.members)
        structures = sum(len(m.structures or [m.structure]) for m in grouping.members)
        table = _table(
            f"Groupement {grouping.rank} : {FORMS[grouping.form]} (CCP R2142-20)",
            f"{plural(entities, 'membre')} (personnes morales, SIREN) pour "
            f"{plural(structures, 'structure')} ; le mandataire représente le groupement (R2142-24)",
        )
        table.add_column("membre", max_width=_NAME, overflow="fold")
        table.add_column("rôle", no_wrap=True)
        table.add_column("structures", overflow="fold")
        table.add_column("SIREN", no_wrap=True)
        table.add_column("territoire", max_width=16, overflow="fold")
        _figures(table, "sites", "km moyen")
        sites = Counter(a.structure for a in grouping.assignments)
        for m in self._ordered(grouping):
            st = self.structures.get(m.structure)
            ids = m.structures or [m.structure]
            table.add_row(
                self.name(m.structure),
                ROLES[m.role],
                self.kinds(m),
                m.siren or "-",
                (st.territory if st else None) or "-",
                number(sum(sites[i] for i in ids)),
                km(m.mean_distance_km),
                style="bold" if m.role == "mandataire" else None,
            )
        return table

    def split(self, grouping: Grouping) -> Table:
        table = _table(
            "Répartition des heures et du chiffre d'affaires",
            "charge : heures propres ÷ capacité ; part de son CA : recette annuelle du marché ÷ chiffre "
            "d'affaires annuel",
        )
        table.add_column("membre", min_width=18, max_width=_NAME, overflow="fold")
        _figures(
            table,
            "heures",
            "dont MAD\nreçue",
            "dont sous-\ntraitées",
            "montant HT",
            "part du\nmarché",
            "part de\nson CA",
            "charge",
        )
        received: dict[str, float] = defaultdict(float)
        for line in grouping.staffing:
            received[line.to] += line.hours
        given: dict[str, float] = defaultdict(float)
        for sc in grouping.subcontracts:
            given[sc.from_] += sc.hours
        for m in self._ordered(grouping):
            ids = set(m.structures or [m.structure])
            table.add_row(
                self.name(m.structure),
                number(m.hours),
                number(sum(h for i, h in received.items() if i in ids)),
                number(sum(h for i, h in given.items() if i in ids)),
                eur(m.revenue_eur),
                pct(m.tender_share),
                pct(m.turnover_share),
                pct(m.load_ratio, 0),
                style="bold" if m.role == "mandataire" else None,
            )
        return table

    def staffing(self, grouping: Grouping) -> RenderableType:
        title = "Mises à disposition de personnel (Code du travail L5132-7, L1251-1) : pas de DC4"
        if not grouping.staffing:
            return Text("Mises à disposition de personnel par des AI ou ETTI : aucune.")
        table = _table(title, "TVA : 0 % pour une AI (CGI 261-7-1° bis), 20 % pour une ETTI")
        table.add_column("intermédiaire", max_width=24, overflow="fold")
        table.add_column("au profit de", max_width=24, overflow="fold")
        table.add_column("lot", no_wrap=True)
        _figures(table, "heures", "€/h", "montant HT", "TVA")
        for line in sorted(grouping.staffing, key=lambda s: (s.from_, s.lot, -s.hours)):
            rate = line.value_eur / line.hours if line.hours else 0.0
            table.add_row(
                self.labelled(line.from_),
                self.name(line.to),
                line.lot,
                number(line.hours),
                number(rate, 2),
                eur(line.value_eur),
                pct(line.vat_rate, 0),
            )
        table.add_row(
            "total",
            "",
            "",
            number(sum(s.hours for s in grouping.staffing)),
            "",
            eur(sum(s.value_eur for s in grouping.staffing)),
            "",
            style="bold",
        )
        return table

    def subcontracts(self, grouping: Grouping) -> RenderableType:
        title = "Sous-traitance déclarée à l'acheteur (DC4, CCP L2193-1)"
        if not grouping.subcontracts:
            return Text(f"{title} : aucune.")
        table = _table(title)
        table.add_column("titulaire", max_width=_NAME, overflow="fold")
        table.add_column("sous-traitant", max_width=_NAME, overflow="fold")
        table.add_column("lot", no_wrap=True)
        _figures(table, "heures", "montant HT")
        for sc in sorted(grouping.subcontracts, key=lambda sc: (sc.to, -sc.hours)):
            table.add_row(
                self.name(sc.from_), self.labelled(sc.to), sc.lot or "-", number(sc.hours), eur(sc.value_eur)
            )
        return table

    def insertion(self, grouping: Grouping) -> Table:
        table = _table(
            "Clause sociale : heures d'insertion par lot",
            "réalisées : heures propres des membres × leur taux d'insertion + heures mises à disposition",
        )
        table.add_column("lot", max_width=40, overflow="fold")
        _figures(table, "exigées", "réalisées", "dont MAD", "état")
        staffed: dict[str, float] = defaultdict(float)
        for line in grouping.staffing:
            staffed[line.lot] += line.hours
        for row in grouping.insertion:
            table.add_row(
                self.lot_label(row.lot),
                number(row.required),
                number(row.delivered),
                number(staffed[row.lot]),
                explain.shortfall(row.required, row.delivered),
                style=None if row.delivered + 0.5 >= row.required else "bold red",
            )
        return table

    def coverage(self, grouping: Grouping) -> Table:
        """Sites covered per lot and per territory, and the members based in each territory."""
        covered = {a.site for a in grouping.assignments}
        carried_by = {a.site: a.structure for a in grouping.assignments}
        table = _table(
            "Couverture des sites",
            "membres : ceux qui portent les sites du lot, ou basés dans le territoire",
        )
        table.add_column("lot / territoire", max_width=40, overflow="fold")
        table.add_column("réservation", max_width=22, overflow="fold")
        _figures(table, "sites", "couverts", "heures", "membres")
        entity = {i: m.structure for m in grouping.members for i in (m.structures or [m.structure])}
        for lot in self.problem.tender.lots:
            done = [s for s in lot.sites if s.id in covered]
            table.add_row(
                self.lot_label(lot.id),
                RESERVED.get(lot.reserved or "", "non réservé"),
                number(len(lot.sites)),
                number(len(done)),
                number(sum(s.hours for s in lot.sites)),
                number(len({entity.get(carried_by[s.id], carried_by[s.id]) for s in done})),
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
                "",
                number(len(ids)),
                number(sum(i in covered for i in ids)),
                number(sum(self.site_of[i][1].hours for i in ids)),
                number(based.get(territory, 0)),
            )
        return table

    def alternatives(self, groupings: list[Grouping]) -> list[RenderableType]:
        table = _table(
            "Groupements trouvés, du meilleur au suivant",
            "distance : km parcourus en moyenne par heure de travail ; écart de charge : entre le membre "
            "le plus chargé et le moins chargé",
        )
        _figures(table, "rang")
        table.add_column("forme", max_width=26, overflow="fold")
        _figures(table, "membres")
        table.add_column("mandataire", min_width=14, max_width=_NAME, overflow="fold")
        _figures(table, "distance", "écart de\ncharge", "MAD", "sites non\ncouverts")
        first = {m.structure for m in groupings[0].members}
        differences: list[RenderableType] = []
        for g in groupings:
            t = g.terms
            members = {m.structure for m in g.members}
            worked = sum(self.site_of[a.site][1].hours for a in g.assignments if a.site in self.site_of)
            table.add_row(
                number(g.rank),
                SHORT_FORMS[g.form],
                number(t.members),
                self.name(g.mandataire),
                km(t.distance_hour_km / worked if worked else 0.0),
                pct(t.balance_spread, 0),
                hours(t.staffing_hours),
                number(len(g.uncovered)),
            )
            added = [f"+ {self.labelled(s)}" for s in sorted(members - first)]
            removed = [f"− {self.labelled(s)}" for s in sorted(first - members)]
            if g.rank > 1:
                change = ", ".join(added + removed) or "mêmes membres, autre répartition"
                differences.append(Text(f"Groupement {g.rank} par rapport au 1 : {change}."))
        return [table, *differences]

    def _ordered(self, grouping: Grouping) -> list[Member]:
        return sorted(grouping.members, key=lambda m: (m.role != "mandataire", -m.hours))
