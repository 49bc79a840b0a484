"""A `Parecer` as a PDF (fpdf2: pure Python, no system libraries), A4, core fonts.

The core fonts cover Latin-1, which has every Portuguese letter; typographic quotes and dashes
are mapped to their plain forms and anything else outside Latin-1 becomes "?".
"""

from __future__ import annotations

from fpdf import FPDF

from core.domain.parecer import Parecer

_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "→": "->", "•": "-", "«": '"', "»": '"'})


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def render_pdf(parecer: Parecer) -> bytes:
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
    return bytes(pdf.output())


def _md(text: str) -> str:
    """fpdf's markdown marks (**, __, --) in user text are not formatting."""
    return text.replace("**", "* *").replace("__", "_ _").replace("--", "- -")
