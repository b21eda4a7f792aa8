"""A dashboard out of the app: self-contained HTML, PDF, a tile's PNG, and the data behind a chart as CSV or Excel.

Everything is rendered by `viz.tiles.render_dashboard`, the same path the app
takes, so an export shows the app's numbers. The HTML inlines plotly.js once
and needs no network; the PDF embeds PNGs drawn by `viz.static` and the CJK
font, so Chinese titles print. Every name is escaped where it is shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import xlsxwriter
from fpdf import FPDF
from plotly.offline import get_plotlyjs

from errors import InputError
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, Policy
from viz.dashboard_filters import PERIOD
from viz.describe import describe_filter
from viz.i18n import keyed_error, t
from viz.labels import column_format, column_label, escape_html, none_label, plain_numbers
from viz.layout import standalone
from viz.static import CJK_FONT, figure_png
from viz.tiles import TileView, render_dashboard
from workspace import clock
from workspace.dashboards import Dashboard, localized

FORMATS = ("html", "pdf", "png")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def export_dashboard(board: Dashboard, model: SemanticModel, engine: Engine, fmt: str, lang: str = "en",
                     filters: tuple[Filter, ...] | None = None, tile: int | None = None,
                     policy: Policy | None = None, now: dt.datetime | None = None) -> bytes:
    """The dashboard as HTML or PDF, or one tile (0-based index among its tiles) as PNG."""
    if fmt not in FORMATS:
        raise keyed_error(InputError, "errors.export.dashboard_format", format=fmt, choices=", ".join(FORMATS))
    chosen = board.filters if filters is None else filters
    views = render_dashboard(board, model, engine, lang, chosen, policy)
    stamp = clock.now(now).strftime("%Y-%m-%d %H:%M UTC")
    if fmt == "png":
        return tile_png(_pick(views, tile))
    header = _Header(localized(board.title, lang), localized(board.description, lang),
                     _filters_text(chosen, model, lang), t("dashboards.exported_at", lang, when=stamp))
    if fmt == "html":
        return dashboard_html(header, views, lang).encode("utf-8")
    return dashboard_pdf(header, views, lang)


def _pick(views: list[TileView], index: int | None) -> TileView:
    """The tile at 0-based `index`; the refusal counts from 1, as people (and `--tile`) do."""
    charts = [i for i, v in enumerate(views) if v.tile.query is not None]
    if index is None:
        if not charts:
            raise keyed_error(InputError, "errors.export.no_charts")
        index = charts[0]
    if not 0 <= index < len(views):
        raise keyed_error(InputError, "errors.export.no_tile", tile=index + 1, count=len(views))
    return views[index]


@dataclass(frozen=True)
class _Header:
    """What heads an export: title, description, the filters applied and when it was made."""

    title: str
    description: str
    filters: str
    stamp: str


def _filters_text(filters: tuple[Filter, ...], model: SemanticModel, lang: str) -> str:
    if not filters:
        return ""
    parts = []
    for item in filters:
        if item.field == PERIOD and isinstance(item.value, tuple):
            parts.append(f"{t('dashboards.period', lang)} {item.value[0]} – {item.value[1]}")
        else:
            parts.append(describe_filter(item, model, lang))
    return t("dashboards.filters_applied", lang, filters="; ".join(parts))


def markdown_html(text: str) -> str:
    """The little Markdown text tiles use (paragraphs, **bold**), escaped first."""
    paragraphs = [html.escape(p.strip()) for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + _BOLD.sub(r"<strong>\1</strong>", p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _tile_html(view: TileView, lang: str, index: int) -> str:
    body = ""
    if view.tile.text is not None:
        body = markdown_html(localized(view.tile.text, lang))
    elif view.problem:
        body = f'<p class="problem">{html.escape(view.problem)}</p>'
    elif view.figure is not None:
        body = pio.to_html(standalone(view.figure), include_plotlyjs=False, full_html=False, div_id=f"tile-{index}",
                           config={"displaylogo": False, "responsive": True})
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in view.notes)
    period = f'<p class="period">{html.escape(view.period)}</p>' if view.period else ""  # which days, as the app
    return (f'<section class="tile" style="grid-column: span {view.tile.width}">'
            f"<h2>{html.escape(view.title)}</h2>{period}{body}{notes}</section>")


_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#0f172a}
.grid{display:grid;grid-template-columns:repeat(12,1fr);gap:16px}.tile{border:1px solid #e2e8f0;border-radius:8px;
padding:12px;min-width:0}.tile h2{font-size:15px;margin:0 0 8px}.note{color:#64748b;font-size:12px}
.problem{color:#b91c1c}.meta{color:#64748b;font-size:13px}.period{color:#64748b;font-size:12px;margin:-4px 0 8px}"""


def dashboard_html(header: _Header, views: list[TileView], lang: str) -> str:
    """One HTML file: plotly.js inlined once, every figure a div that uses it."""
    tiles = "".join(_tile_html(view, lang, i) for i, view in enumerate(views))
    meta = " · ".join(html.escape(x) for x in (header.filters, header.stamp) if x)
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{html.escape(header.title)}</title><style>{_CSS}</style>"
            f"<script>{get_plotlyjs()}</script></head><body><h1>{html.escape(header.title)}</h1>"
            f"<p>{html.escape(header.description)}</p><p class=\"meta\">{meta}</p>"
            f'<div class="grid">{tiles}</div></body></html>')


def tile_png(view: TileView, width: int = 900, height: int = 480) -> bytes:
    """One tile as a PNG; a tile that cannot be drawn is refused in words."""
    if view.figure is None:
        raise InputError(view.problem) if view.problem else keyed_error(InputError, "errors.export.no_chart",
                                                                        title=view.title)
    titled = go.Figure(view.figure).update_layout(title={"text": escape_html(view.title), "x": 0}, margin={"t": 50})
    return figure_png(titled, width, height)


class Pdf(FPDF):
    """A4 pages with the CJK font when the system has it (Latin text falls back to Helvetica without it)."""

    def __init__(self, orientation: str = "L") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.family = "helvetica"
        if CJK_FONT.exists():
            self.add_font("cjk", fname=str(CJK_FONT), collection_font_number=2)
            self.family = "cjk"
        self.set_auto_page_break(False)
        self.set_margins(10, 10)

    def write_text(self, text: str, size: float, height: float, color: tuple[int, int, int] = (15, 23, 42),
                   width: float = 0) -> None:
        self.set_font(self.family, size=size)
        self.set_text_color(*color)
        safe = text if self.family == "cjk" else text.encode("latin-1", "replace").decode("latin-1")
        left = self.get_x()
        self.multi_cell(width, height, safe, new_x="LEFT", new_y="NEXT")
        self.set_x(left)


KPI_MM, CHART_MM, TEXT_MM, GAP_MM = 38.0, 72.0, 22.0, 4.0
PERIOD_MM = 3.5  # the line under a tile's heading that says which days it covers


def _rows(views: list[TileView]) -> list[list[TileView]]:
    """Tiles packed into rows of the 12-column grid, in order."""
    rows: list[list[TileView]] = [[]]
    for view in views:
        if sum(v.tile.width for v in rows[-1]) + view.tile.width > 12:
            rows.append([])
        rows[-1].append(view)
    return [row for row in rows if row]


def _height(view: TileView) -> float:
    if view.tile.text is not None or view.figure is None:
        return TEXT_MM
    return (KPI_MM if view.spec is not None and view.spec.kind == "kpi" else CHART_MM) * view.tile.height


def dashboard_pdf(header: _Header, views: list[TileView], lang: str) -> bytes:
    """A4 landscape pages: the title and filters, then the tiles in the dashboard's grid (charts as images)."""
    pdf = Pdf()
    pdf.add_page()
    pdf.write_text(header.title, 18, 9)
    for line in (header.description, header.filters, header.stamp):
        if line:
            pdf.write_text(line, 9, 4.5, (100, 116, 139))
    for row in _rows(views):
        height = max(_height(v) for v in row) + 8
        if pdf.get_y() + height > pdf.h - 10:
            pdf.add_page()
        top, left = pdf.get_y() + 2, pdf.l_margin
        for view in row:
            width = pdf.epw * view.tile.width / 12 - GAP_MM
            pdf.set_xy(left, top)
            _pdf_tile(pdf, view, lang, width, height - 8)
            left += width + GAP_MM
        pdf.set_xy(pdf.l_margin, top + height)
    return bytes(pdf.output())


def _pdf_tile(pdf: Pdf, view: TileView, lang: str, width: float, height: float) -> None:
    pdf.write_text(view.title, 10.5, 6, width=width)
    if view.period:  # which days, under the heading as in the app; the chart gives up the line
        pdf.write_text(view.period, 7.5, PERIOD_MM, (100, 116, 139), width=width)
        height -= PERIOD_MM
    if view.tile.text is not None:
        pdf.write_text(_BOLD.sub(r"\1", localized(view.tile.text, lang)), 9, 4.5, width=width)
    elif view.problem:
        pdf.write_text(view.problem, 9, 4.5, (185, 28, 28), width=width)
    elif view.figure is not None:
        png = figure_png(view.figure, int(width * 6), int(height * 6), dpi=110)
        pdf.image(io.BytesIO(png), x=pdf.get_x(), y=pdf.get_y(), w=width, h=height - 4)
        pdf.set_y(pdf.get_y() + height - 4)
    for note in view.notes[:2]:
        pdf.write_text(note, 7.5, 3.5, (100, 116, 139), width=width)


def data_csv(frame: pl.DataFrame, model: SemanticModel, lang: str) -> bytes:
    """The data behind a chart: headers in the reader's language, values unformatted; UTF-8 with BOM for Excel.

    A missing number is an empty cell; the group without a key value is named as on screen, "(none)" / "（无）".
    """
    frame = _named_none_groups(plain_numbers(frame), model, lang)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column_label(c, model, lang) for c in frame.columns])
    for row in frame.iter_rows():
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _named_none_groups(frame: pl.DataFrame, model: SemanticModel, lang: str) -> pl.DataFrame:
    """Text key columns (dimensions) with their NULL group named; numbers and dates stay as they are."""
    keys = [c for c, kind in frame.schema.items() if column_format(c, model) is None and kind == pl.String]
    return frame.with_columns(pl.col(keys).fill_null(none_label(lang))) if keys else frame


_EXCEL_FORMATS = {"currency": "#,##0.00", "integer": "#,##0", "number": "#,##0.00", "percent": "0.00%",
                  "ratio": "0.00"}


def data_excel(frame: pl.DataFrame, model: SemanticModel, lang: str, sheet: str = "data") -> bytes:
    """The same data as an .xlsx sheet, with number formats per metric and real dates."""
    frame = _named_none_groups(plain_numbers(frame), model, lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", " ", sheet)[:31] or "data")
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    for col, name in enumerate(frame.columns):
        page.write(0, col, column_label(name, model, lang), bold)
        fmt = column_format(name, model)
        style = book.add_format({"num_format": _EXCEL_FORMATS[fmt]}) if fmt else None
        for row, value in enumerate(frame[name].to_list(), start=1):
            if isinstance(value, dt.date):
                page.write_datetime(row, col, dt.datetime.combine(value, dt.time()), day)
            elif value is not None:
                page.write(row, col, value, style)
        page.set_column(col, col, max(12, len(column_label(name, model, lang)) + 2))
    book.close()
    return buffer.getvalue()
