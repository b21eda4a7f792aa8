"""Exports: self-contained HTML with the app's numbers, PDF pages with pixels and Chinese text, PNG, CSV, Excel."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image
from plotly.offline import get_plotlyjs

from errors import InputError
from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.charts import ChartSpec
from viz.export import data_csv, data_excel, export_dashboard, markdown_html
from workspace.dashboards import Dashboard, DashboardStore, Tile
from workspace.demo_dashboards import marketing_overview
from workspace.home import Workspace

YEAR = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
NOW = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
EVIL = "<script>alert('x')</script>"


def _readable(page: bytes) -> str:
    """The page with the figures' JSON escapes (\\u00a5 for ¥) written out, as a reader sees the text."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), page.decode("utf-8"))


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Dashboard:
    store = DashboardStore(Workspace(tmp_path_factory.mktemp("export")))
    tiles = (Tile("kpi", f"Revenue {EVIL}", SemanticQuery(metrics=("revenue",), time_range=YEAR), ChartSpec("kpi"),
                  width=4),
             Tile("bar", "By channel", SemanticQuery(metrics=("orders",), dimensions=("channel",)), ChartSpec("bar")),
             Tile("note", "Read me", text=f"**Bold** {EVIL}", width=12),
             Tile("gone", "Old tile", SemanticQuery(metrics=("profit",))))
    return store.create(f"Board {EVIL}", "ana", description="营销总览 · weekly", tiles=tiles)


def test_html_is_self_contained_with_the_numbers(board: Dashboard, model: SemanticModel, engine: DuckDBEngine,
                                                 con: duckdb.DuckDBPyConnection) -> None:
    page = _readable(export_dashboard(board, model, engine, "html", "en", now=NOW))
    revenue = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                          "AND order_date BETWEEN '2025-01-01' AND '2025-12-31'").fetchone()[0]
    assert f"¥{revenue / 1e6:.1f}M" in page
    tmall = con.execute("SELECT COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed' "
                        "AND channel = 'Tmall'").fetchone()[0]
    assert re.search(rf"\b{tmall}\b", page)
    assert not re.search(r"<script[^>]+src=[\"']?https?://", page)
    assert page.count(get_plotlyjs()[:200]) == 1  # plotly.js inlined once for every figure
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "This tile cannot be shown: Unknown metric &#x27;profit&#x27;" in page
    assert "Exported 2026-01-05 08:00 UTC" in page


def test_html_in_chinese_with_a_filter(board: Dashboard, model: SemanticModel, engine: DuckDBEngine) -> None:
    page = _readable(export_dashboard(board, model, engine, "html", "zh", (Filter("channel", "=", "JD"),)))
    assert "筛选：渠道 = 京东" in page and "万" in page and 'lang="zh-CN"' in page


def test_pdf_has_pages_with_pixels_and_chinese_text(model: SemanticModel, engine: DuckDBEngine) -> None:
    data = export_dashboard(marketing_overview(), model, engine, "pdf", "zh")
    document = pdfium.PdfDocument(data)
    assert len(document) >= 1
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "营销总览" in text and "各渠道销售额" in text
    image = document[0].render(scale=0.5).to_pil().convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.002 * image.width * image.height


def test_png_of_one_tile(board: Dashboard, model: SemanticModel, engine: DuckDBEngine) -> None:
    image = Image.open(io.BytesIO(export_dashboard(board, model, engine, "png", "en", tile=1)))
    assert image.format == "PNG" and image.size == (900, 480)
    with pytest.raises(InputError, match="Unknown metric 'profit'"):
        export_dashboard(board, model, engine, "png", "en", tile=3)
    with pytest.raises(InputError, match=f"no tile 10; the dashboard's tiles are numbered 1 to {len(board.tiles)}\\."):
        export_dashboard(board, model, engine, "png", "en", tile=9)
    with pytest.raises(InputError, match="Unknown export format 'docx'"):
        export_dashboard(board, model, engine, "docx", "en")


def test_data_as_csv_and_excel(model: SemanticModel, engine: DuckDBEngine, tmp_path: Path) -> None:
    query = SemanticQuery(metrics=("revenue", "refund_rate"), dimensions=("channel",), time_grain="month")
    frame = run_query(query, model, engine).frame
    rows = list(csv.reader(io.StringIO(data_csv(frame, model, "zh").decode("utf-8-sig"))))
    assert rows[0] == ["月", "渠道", "销售额", "退款率"] and len(rows) == frame.height + 1
    assert rows[1][0] == frame["month"][0].isoformat() and float(rows[1][2]) == pytest.approx(frame["revenue"][0])
    path = tmp_path / "data.xlsx"
    path.write_bytes(data_excel(frame, model, "en"))
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["Month", "Channel", "Revenue", "Refund rate"]
    assert sheet.cell(2, 3).value == pytest.approx(frame["revenue"][0]) and sheet.cell(2, 4).number_format == "0.00%"
    assert sheet.cell(2, 1).value.date() == frame["month"][0]


def test_markdown_text_is_escaped() -> None:
    assert markdown_html(f"**Hi** {EVIL}\n\nnext") == \
        "<p><strong>Hi</strong> &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p><p>next</p>"


def test_each_tile_says_its_period_under_its_heading(board: Dashboard, model: SemanticModel,
                                                     engine: DuckDBEngine) -> None:
    """As in the app, the days a tile covers are written under its heading: a year's revenue says 2025, a tile
    without a time range 'All dates'; a text tile says nothing. The PDF carries the same words."""
    page = export_dashboard(board, model, engine, "html", "en").decode("utf-8")
    assert '<h2>Revenue &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</h2><p class="period">2025</p>' in page
    assert '<h2>By channel</h2><p class="period">All dates</p>' in page
    assert '<h2>Read me</h2><p class="period">' not in page
    zh = export_dashboard(board, model, engine, "html", "zh").decode("utf-8")
    assert '<p class="period">2025年</p>' in zh and '<p class="period">全部日期</p>' in zh
    document = pdfium.PdfDocument(export_dashboard(board, model, engine, "pdf", "zh"))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "2025年" in text and "全部日期" in text
