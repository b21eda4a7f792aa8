"""Home in a real browser: the revenue KPI shows the number the semantic layer computes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from semantic.answer import run_query, time_bounds
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.periods import preset_range
from semantic.query import SemanticQuery
from tests.e2e.conftest import READY, open_app
from viz.format import format_value

pytestmark = pytest.mark.e2e


def revenue_last_30_days(model: SemanticModel, engine: DuckDBEngine) -> float:
    bounds = time_bounds(model, engine, "orders")
    assert bounds is not None
    query = SemanticQuery(metrics=("revenue",), time_range=preset_range("last_30_days", bounds[1]))
    return run_query(query, model, engine).frame.item()


def test_home_revenue_kpi_matches_semantic_layer(page: Page, app_url: str, model: SemanticModel,
                                                 engine: DuckDBEngine) -> None:
    open_app(page, app_url)
    expected = format_value(revenue_last_30_days(model, engine), "currency", "en")
    revenue_card = page.get_by_test_id("stMetric").filter(has_text="Revenue").first
    expect(revenue_card.get_by_test_id("stMetricValue")).to_have_text(expected)
    expect(page.get_by_test_id("stMetric")).to_have_count(6)
    expect(page.locator(".js-plotly-plot")).to_have_count(1)


def test_switching_to_chinese(page: Page, app_url: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    open_app(page, app_url)
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="首页")).to_be_visible(timeout=30_000)
    page.wait_for_selector(READY)
    expected = format_value(revenue_last_30_days(model, engine), "currency", "zh")
    revenue_card = page.get_by_test_id("stMetric").filter(has_text="销售额").first
    expect(revenue_card.get_by_test_id("stMetricValue")).to_have_text(expected)
    assert "lang=zh" in page.url
