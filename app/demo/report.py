"""The demo's printed summary of a plan, in French: what a coordinator reads before proposing a
groupement to its members.

It opens with one sentence telling the scenario's story, then shows the best grouping as the law reads
it: its form (CCP R2142-20), its members as legal entities (SIREN) with their structures, the hours
and revenue of each, the mises à disposition of AI/ETTI staff (Code du travail L5132-7; no DC4) apart
from the sous-traitance declared on DC4 (CCP L2193-1), each lot's clause sociale, the coverage, and the
other groupings found. Tables fit 100 columns: long names wrap, figures never do.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text

from app.demo import explain
from app.demo.french import (
    FORMS,
    TENDER_KINDS,
    day,
    eur,
    hours,
    number,
    of,
    plural,
)
from app.demo.tables import GroupingTables
from solver.plan import Plan
from solver.problem import INTERMEDIARY_KINDS, PlanningProblem


class PlanReport(GroupingTables):
    """The story and the tables of one scenario's plan."""

    def __init__(
        self,
        problem: PlanningProblem,
        plan: Plan,
        *,
        not_invited: Iterable[str] = (),
        story: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.plan = plan
        self.story_start = story
        self.not_invited = set(not_invited)

    def story(self) -> Text:
        """One sentence: the market, and what the best grouping proposes for it."""
        tender = self.problem.tender
        start = self.story_start or f"{tender.title or tender.reference}"
        if not self.plan.groupings:
            return Text(f"{start} : aucun groupement ne peut y répondre en l'état (voir ci-dessous).")
        best = self.plan.groupings[0]
        structures = sum(len(m.structures or [m.structure]) for m in best.members)
        who = plural(len(best.members), "membre")
        if structures != len(best.members):
            who += f" ({plural(structures, 'structure')})"
        sentence = f"{start} : le meilleur groupement trouvé, {FORMS[best.form]}, réunit {who} "
        sentence += f"autour {of(self.name(best.mandataire))}"
        lenders = {line.from_ for line in best.staffing}
        if lenders:
            staffed = sum(line.hours for line in best.staffing)
            sentence += (
                f", et {plural(len(lenders), 'intermédiaire')} (AI, ETTI) y "
                f"{'met' if len(lenders) == 1 else 'mettent'} {hours(staffed)} de personnel à disposition"
            )
        return Text(sentence + ".", style="bold")

    def header(self) -> Text:
        tender = self.problem.tender
        all_hours = sum(site.hours for _, site in tender.sites())
        value = sum(site.value_eur for _, site in tender.sites())
        text = Text()
        text.append(f"{tender.reference} · {tender.title}\n")
        text.append(
            f"{TENDER_KINDS[tender.kind.value]} · {plural(len(tender.lots), 'lot')} · "
            f"{plural(len(self.site_of), 'site')} · {hours(all_hours)} · {eur(value)} HT"
        )
        if tender.execution_start and tender.execution_end:
            years = tender.execution_years()
            length = number(years, 2).removesuffix(",00")
            text.append(
                f"\nexécution du {day(tender.execution_start)} au {day(tender.execution_end)} "
                f"({length} an{'s' if years >= 2 else ''})"
            )
        s = self.plan.solver
        text.append(f"\nqualité : {explain.quality(self.plan, self.problem.options.gap_rel)}")
        text.append(f" · calcul : {number(s.seconds, 1)} s")
        return text

    def diagnostics(self) -> list[Text]:
        lines = []
        left_out = []
        for d in self.plan.diagnostics:
            if d.structure is not None and d.structure in self.not_invited:
                continue  # not invited to this tender: nothing to say about it
            if d.code in explain.GROUPED and d.structure is not None:
                st = self.structures.get(d.structure)
                if st is None or st.kind not in INTERMEDIARY_KINDS:
                    left_out.append(self.labelled(d.structure))
            elif d.code not in explain.SILENT:
                lines.append(Text(f"• {explain.sentence(d)}"))
        if left_out:
            lines.append(
                Text(
                    "• Invitées, elles pouvaient participer, mais le meilleur groupement s'en passe : "
                    f"{', '.join(sorted(left_out))}."
                )
            )
        return lines

    def render(self) -> RenderableType:
        parts: list[RenderableType] = [self.story(), self.header()]
        if not self.plan.groupings:
            parts.append(Text("Aucun groupement trouvé.", style="bold red"))
        else:
            best = self.plan.groupings[0]
            parts += [self.members(best), self.split(best), self.staffing(best), self.subcontracts(best)]
            parts += [self.insertion(best), self.coverage(best)]
            if best.uncovered:
                names = ", ".join(self.site_name(i) for i in best.uncovered)
                parts.append(Text(f"Sites non couverts : {names}", style="bold red"))
            parts.extend(self.alternatives(self.plan.groupings))
        diagnostics = self.diagnostics()
        if diagnostics:
            parts.append(Text("À savoir", style="bold"))
            parts.extend(diagnostics)
        return Group(*parts)
