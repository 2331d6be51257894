"""The candidature forms as PDF documents (fpdf2), rubric after rubric.

The text is set in DejaVu Sans, shipped in `app/integrations/fonts` (Bitstream Vera licence): the euro
sign, œ and typographic quotes print as written, and amounts follow French typography: a narrow no-break
space between groups of digits and a no-break space before the unit (1 234,56 €, 90,6 %).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources

from fpdf import FPDF

from app.integrations.forms_models import FormBase, Rubric

FONT = "dejavu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
DRAFT = "Brouillon établi par le planner : à vérifier, compléter et signer sur le formulaire officiel."

# A space between a digit and a group of exactly three digits separates thousands (1 234 567,89).
_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
# A number and its unit stay on one line.
_UNIT = re.compile(r"(?<=\d) (?=[€%])")


def typeset(text: str) -> str:
    """French typography for print: `1 234,56 €` -> `1\u202f234,56\u00a0€`."""
    return _UNIT.sub(NBSP, _THOUSANDS.sub(NARROW_NBSP, text))


class _Form(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        fonts = resources.files("app.integrations").joinpath("fonts")
        for style, name in _FONT_FILES.items():
            with resources.as_file(fonts.joinpath(name)) as path:
                self.add_font(FONT, style, str(path))
        self.form_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("planner")

    def header(self) -> None:
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 6, typeset(self.form_title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "I", 8)
        self.multi_cell(0, 4, DRAFT, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "I", 8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")

    def text_line(self, text: str, style: str = "", size: int = 9) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 4.6, typeset(text), new_x="LMARGIN", new_y="NEXT")


def _rubric(pdf: _Form, rubric: Rubric) -> None:
    pdf.ln(1.5)
    pdf.set_fill_color(225, 232, 240)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(
        0, 6, typeset(f"{rubric.letter} - {rubric.title}"), fill=True, new_x="LMARGIN", new_y="NEXT"
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
        pdf.set_font(FONT, "", 8)
        with pdf.table(text_align="LEFT", line_height=4.2) as grid:
            grid.row([typeset(h) for h in table.headers])
            for row in table.rows:
                grid.row([typeset(cell) for cell in row])


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
