"""Explore and dashboards in a real browser.

Build a chart, pin it, share the dashboard and open the link in a fresh context; the demo dashboards in
English and Chinese; a click on a bar filters the other tiles.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from semantic.answer import run_query, time_bounds
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.periods import preset_range
from semantic.query import Filter, SemanticQuery
from tests.e2e.conftest import READY, open_app, serve
from viz.format import format_value
from viz.labels import query_title
from workspace.demo_dashboards import CAMPAIGN_ID, MARKETING_ID, YEAR, marketing_overview

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_url(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a workspace of its own: pinning and sharing write its metadata store."""
    home = tmp_path_factory.mktemp("explore_e2e")
    shutil.copy(warehouse, home / "warehouse.duckdb")
    yield from serve(home)


def revenue_last_90_days(model: SemanticModel, engine: DuckDBEngine) -> float:
    bounds = time_bounds(model, engine, "orders")
    assert bounds is not None
    query = SemanticQuery(metrics=("revenue",), time_range=preset_range("last_90_days", bounds[1]))
    return run_query(query, model, engine).frame.item()


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_selector(READY)


def test_build_pin_share_and_open_in_a_fresh_context(page: Page, browser: Browser, own_url: str,
                                                     model: SemanticModel, engine: DuckDBEngine) -> None:
    open_app(page, f"{own_url}/explore")
    choose(page, "Time grain", "No time breakdown")
    choose(page, "Period", "Last 90 days")
    expected = format_value(revenue_last_90_days(model, engine), "currency", "en")
    expect(page.locator(".js-plotly-plot").get_by_text(expected)).to_be_visible(timeout=30_000)
    assert "q=" in page.url
    page.screenshot(path="/tmp/explore_en.png")

    page.get_by_role("button", name="Pin to dashboard").click()
    choose(page, "Dashboard", "+ New dashboard")
    page.get_by_label("New dashboard name").fill("Sales meeting")
    page.get_by_label("New dashboard name").press("Enter")
    page.wait_for_selector(READY)
    page.get_by_role("button", name="Pin", exact=True).click()
    page.get_by_text("Open the dashboard").click()
    expect(page.get_by_role("heading", name="Sales meeting")).to_be_visible(timeout=30_000)
    page.wait_for_selector(READY)
    expect(page.locator(".js-plotly-plot").get_by_text(expected)).to_be_visible(timeout=30_000)

    page.get_by_role("button", name="Share").click()
    page.get_by_role("button", name="Create link").click()
    page.wait_for_selector(READY)
    link = page.get_by_test_id("stCode").filter(has_text="link=").inner_text().strip()
    assert "dashboard=" in link and "link=" in link

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    viewer = fresh.new_page()
    open_app(viewer, link)
    expect(viewer.get_by_role("heading", name="Sales meeting")).to_be_visible(timeout=30_000)
    expect(viewer.locator(".js-plotly-plot").get_by_text(expected)).to_be_visible(timeout=30_000)
    expect(viewer.get_by_text("Edit", exact=True)).to_have_count(0)
    expect(viewer.get_by_role("button", name="Share")).to_have_count(0)
    fresh.close()


def kpi(model: SemanticModel, engine: DuckDBEngine, metric: str, lang: str, *filters: Filter) -> str:
    tile = next(t for t in marketing_overview().tiles if t.id == metric)
    assert tile.query is not None and tile.query.time_range == YEAR
    query = tile.query.__class__(metrics=(metric,), time_range=YEAR, filters=filters)
    return format_value(run_query(query, model, engine).frame.item(), model.metrics[metric].format, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_dashboards_render(page: Page, own_url: str, model: SemanticModel, engine: DuckDBEngine,
                                lang: str) -> None:
    open_app(page, f"{own_url}/dashboards?lang={lang}")
    page.screenshot(path=f"/tmp/dashboards_list_{lang}.png")
    open_app(page, f"{own_url}/dashboards?dashboard={MARKETING_ID}&lang={lang}")
    expect(page.get_by_role("heading", name="Marketing overview" if lang == "en" else "营销总览")).to_be_visible()
    expect(page.locator(".js-plotly-plot").get_by_text(kpi(model, engine, "revenue", lang))).to_be_visible(
        timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(8, timeout=30_000)
    page.screenshot(path=f"/tmp/dashboard_marketing_{lang}.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="HTML").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    number = kpi(model, engine, "revenue", lang)
    assert number in exported or json.dumps(number)[1:-1] in exported  # plotly's JSON escapes ¥ and 万
    with page.expect_download() as download:
        page.get_by_role("button", name="PNG").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")
    open_app(page, f"{own_url}/dashboards?dashboard={CAMPAIGN_ID}&lang={lang}")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stAlert")).to_have_count(0)
    page.screenshot(path=f"/tmp/dashboard_campaign_{lang}.png")


def test_clicking_a_bar_filters_the_other_tiles(page: Page, own_url: str, model: SemanticModel,
                                                engine: DuckDBEngine) -> None:
    open_app(page, f"{own_url}/dashboards?dashboard={MARKETING_ID}")
    chart = page.get_by_test_id("stPlotlyChart").filter(has=page.locator(".xtick", has_text="JD")).first
    chart.scroll_into_view_if_needed()
    box = chart.locator(".point path").nth(2).bounding_box()  # the third bar: JD (bars are sorted by revenue)
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("Revenue: ").first.wait_for()  # the hover label: plotly has seen the pointer
    page.mouse.down()
    page.mouse.up()
    page.wait_for_selector(READY)
    expected = kpi(model, engine, "revenue", "en", Filter("channel", "in", ("JD",)))
    expect(page.locator(".js-plotly-plot").get_by_text(expected)).to_be_visible(timeout=30_000)
    assert "JD" in page.url


def test_explore_in_chinese(page: Page, own_url: str, model: SemanticModel) -> None:
    open_app(page, f"{own_url}/explore?lang=zh")
    expect(page.get_by_role("heading", name="自助分析")).to_be_visible()
    title = query_title(SemanticQuery(metrics=("revenue",), time_grain="month"), model, "zh")
    expect(page.get_by_text(title, exact=True)).to_be_visible()
    expect(page.locator(".js-plotly-plot .ytick", has_text="万").first).to_be_visible(timeout=30_000)
    page.screenshot(path="/tmp/explore_zh.png")


def test_clicking_a_bar_drills_down(page: Page, own_url: str) -> None:
    query = json.dumps({"metrics": ["revenue"], "dimensions": ["region"]})
    open_app(page, f"{own_url}/explore?chart=bar&q={query}")
    bar = page.get_by_test_id("stPlotlyChart").first.locator(".point path").first  # the biggest region: East
    box = bar.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("Revenue: ").first.wait_for()
    page.mouse.down()
    page.mouse.up()
    expect(page.get_by_text("Revenue by City", exact=True)).to_be_visible(timeout=30_000)
    page.wait_for_selector(READY)
    assert "city" in page.url and "East" in page.url
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Region")).to_contain_text("East")
