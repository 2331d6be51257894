"""The candidature forms as PDF documents (fpdf2, core fonts), rubric after rubric.

The core fonts are Latin-1: French accents print, the euro sign does not, so amounts read "EUR" and
the few characters outside Latin-1 (œ, typographic quotes) are written with their nearest letters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from fpdf import FPDF

from app.integrations.forms_models import FormBase, Rubric

_REPLACE = {
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "€": "EUR",
    "…": "...",
}
DRAFT = "Brouillon établi par le planner : à vérifier, compléter et signer sur le formulaire officiel."


def latin1(text: str) -> str:
    out = []
    for ch in text:
        ch = _REPLACE.get(ch, ch)
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            ch = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?"
        out.append(ch)
    return "".join(out)


class _Form(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.form_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(latin1(title))
        self.set_creator("planner")

    def header(self) -> None:
        self.set_font("helvetica", "B", 12)
        self.multi_cell(0, 6, latin1(self.form_title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "I", 8)
        self.multi_cell(0, 4, latin1(DRAFT), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")

    def text_line(self, text: str, style: str = "", size: int = 9) -> None:
        self.set_font("helvetica", style, size)
        self.multi_cell(0, 4.6, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _rubric(pdf: _Form, rubric: Rubric) -> None:
    pdf.ln(1.5)
    pdf.set_fill_color(225, 232, 240)
    pdf.set_font("helvetica", "B", 10)
    pdf.multi_cell(
        0, 6, latin1(f"{rubric.letter} - {rubric.title}"), fill=True, new_x="LMARGIN", new_y="NEXT"
    )
    for line in rubric.lines:
        if not line.label:
            pdf.text_line(line.value, "B")
        else:
            pdf.text_line(f"{line.label} : {line.value}", "I" if line.missing else "")
    for note in rubric.notes:
        pdf.text_line(note)
    for check in rubric.checks:
        pdf.text_line(f"[{'X' if check.checked else ' '}] {check.text}")
    for table in rubric.tables:
        pdf.set_font("helvetica", "", 8)
        with pdf.table(text_align="LEFT", line_height=4.2) as grid:
            grid.row([latin1(h) for h in table.headers])
            for row in table.rows:
                grid.row([latin1(cell) for cell in row])


def form_pdf(forms: FormBase | Sequence[FormBase], title: str | None = None) -> bytes:
    """The forms as one PDF document, each starting on a new page, its rubrics in order."""
    many = [forms] if isinstance(forms, FormBase) else list(forms)
    pdf = _Form(title or (many[0].title if many else "Formulaire"))
    pdf.alias_nb_pages()
    for form in many:
        pdf.form_title = form.title
        pdf.add_page()
        pdf.text_line(f"{form.tender_title} (référence {form.tender_reference})", "B", 10)
        for rubric in form.rubrics:
            _rubric(pdf, rubric)
        if form.missing:
            pdf.ln(2)
            pdf.text_line(f"{len(form.missing)} élément(s) à compléter avant signature.", "I")
    if not many:
        pdf.add_page()
        pdf.text_line("Aucun document : la candidature ne comporte pas de ligne de ce type.")
    return bytes(pdf.output())
