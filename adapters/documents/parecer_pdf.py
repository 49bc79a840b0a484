"""A `Parecer` as a PDF (fpdf2: pure Python, no system libraries), A4, core fonts.

The core fonts cover Latin-1, which has every Portuguese letter; typographic quotes and dashes
are mapped to their plain forms and anything else outside Latin-1 becomes "?".

fpdf2 is imported on the first render, not with the module: it costs ~33 MB of RSS in every API
process, and most processes never render a PDF (ADR 0041).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.domain.parecer import Parecer, Table

if TYPE_CHECKING:
    from fpdf import FPDF

_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "→": "->", "•": "-", "«": '"', "»": '"'})


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def render_pdf(parecer: Parecer) -> bytes:
    from fpdf import FPDF  # lazy: see the module docstring

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"{parecer.titulo} {parecer.referencia}"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, _latin1(parecer.titulo), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    emitido = parecer.emitido_em.strftime("%d/%m/%Y %H:%M UTC")
    pdf.multi_cell(0, 5, _latin1(f"Referência {parecer.referencia} - emitido em {emitido}"), align="C", new_x="LMARGIN", new_y="NEXT")
    for number, section in enumerate(parecer.sections, start=1):
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(f"{number}. {section.title}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for label, value in section.facts:
            pdf.multi_cell(0, 5, _latin1(f"**{_md(label)}:** {_md(value)}"), markdown=True, new_x="LMARGIN", new_y="NEXT")
        for paragraph in section.paragraphs:
            pdf.ln(1)
            pdf.multi_cell(0, 5, _latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        for title, items in section.lists:
            pdf.ln(1)
            pdf.set_font("Helvetica", "B", 10)
            pdf.multi_cell(0, 5, _latin1(title), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            for entry in items:
                pdf.multi_cell(0, 5, _latin1(f"- {entry}"), new_x="LMARGIN", new_y="NEXT")
        for table in section.tables:
            _table(pdf, table)
    return bytes(pdf.output())


def _table(pdf: FPDF, table: Table) -> None:
    """A titled table; the last column (the justification) takes the room the others leave."""
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 5, _latin1(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    widths = (*(1 for _ in table.header[:-1]), 3) if len(table.header) > 1 else (1,)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4, markdown=False) as grid:
        for row in (table.header, *table.rows):
            cells = grid.row()
            for cell in row:
                cells.cell(_latin1(cell))
    pdf.set_font("Helvetica", "", 10)


def _md(text: str) -> str:
    """fpdf's markdown marks (**, __, --) in user text are not formatting."""
    return text.replace("**", "* *").replace("__", "_ _").replace("--", "- -")
