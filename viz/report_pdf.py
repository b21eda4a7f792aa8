"""A campaign review as a PDF: A4 portrait, charts drawn by matplotlib (viz.static), Chinese in Noto Sans CJK.

No browser is involved: the charts are the review's Plotly figures redrawn as
PNGs by `viz.static.figure_png`, and the text and tables are laid out by fpdf2
with the CJK font (`viz.export.Pdf`), so a Chinese review prints its own words.
"""

from __future__ import annotations

import io

from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from viz.export import Pdf
from viz.review import Review, Section, Table
from viz.static import figure_png

INK, MUTED, WARN, BLUE = (15, 23, 42), (100, 116, 139), (146, 64, 14), (37, 99, 235)
CHART_MM = 68.0


def _write(pdf: Pdf, text: str, size: float, lang: str, color: tuple[int, int, int] = INK) -> None:
    """Left-aligned lines; Chinese, which has no spaces between words, may wrap between any two characters."""
    pdf.set_font(pdf.family, size=size)
    pdf.set_text_color(*color)
    safe = text if pdf.family == "cjk" else text.encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, size * 0.52, safe, align="L", new_x="LMARGIN", new_y="NEXT",
                   wrapmode=WrapMode.CHAR if lang == "zh" else WrapMode.WORD)


def _bullet(pdf: Pdf) -> str:
    return "•" if pdf.family == "cjk" else "-"


def _table(pdf: Pdf, table: Table) -> None:
    count = len(table.columns)
    first = min(40.0, pdf.epw / count * 1.6) if count > 1 else pdf.epw
    widths = (first, *([(pdf.epw - first) / (count - 1)] * (count - 1))) if count > 1 else (first,)
    pdf.set_font(pdf.family, size=7.5 if count > 6 else 8.5)
    pdf.set_text_color(*INK)
    heading = FontFace(color=INK, fill_color=(241, 245, 249))
    with pdf.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * (count - 1))), line_height=4.6,
                   headings_style=heading, borders_layout="HORIZONTAL_LINES", width=pdf.epw) as grid:
        for values in (table.columns, *table.rows):
            row = grid.row()
            for value in values:
                row.cell(value if pdf.family == "cjk" else value.encode("latin-1", "replace").decode("latin-1"))
    pdf.ln(2)


def _chart(pdf: Pdf, section: Section) -> None:
    if section.figure is None:
        return
    if pdf.get_y() + CHART_MM > pdf.h - pdf.b_margin:
        pdf.add_page()
    png = figure_png(section.figure, width=1000, height=int(1000 * CHART_MM / pdf.epw))
    pdf.image(io.BytesIO(png), x=pdf.l_margin, y=pdf.get_y(), w=pdf.epw, h=CHART_MM)
    pdf.set_y(pdf.get_y() + CHART_MM + 2)


def _section(pdf: Pdf, section: Section, lang: str) -> None:
    # A heading stays with its first lines and its chart: start a new page when they would not fit.
    needed = 16 + 11 * len(section.paragraphs) + (CHART_MM if section.figure is not None else 14)
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    _write(pdf, section.title, 14, lang, BLUE if section.key == "recommendations" else INK)
    pdf.ln(1)
    for paragraph in section.paragraphs:
        _write(pdf, paragraph, 10, lang)
    for bullet in section.bullets:
        _write(pdf, f"{_bullet(pdf)} {bullet}", 10, lang)
    _chart(pdf, section)
    if section.table is not None:
        _table(pdf, section.table)


def review_pdf(review: Review) -> bytes:
    """Title, subtitle and notes, then each section: its sentences, its chart and its table."""
    pdf = Pdf("P")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_margins(14, 12, 14)
    pdf.set_title(review.title)
    pdf.add_page()
    _write(pdf, review.title, 20, review.lang)
    _write(pdf, review.subtitle, 9.5, review.lang, MUTED)
    pdf.ln(2)
    for note in review.notes:
        _write(pdf, note, 10, review.lang, WARN)
    for section in review.sections:
        _section(pdf, section, review.lang)
    pdf.ln(4)
    _write(pdf, review.generated, 8, review.lang, MUTED)
    return bytes(pdf.output())
