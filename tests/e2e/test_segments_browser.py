"""Segments in a real browser: run the analysis on the demo data, see segments and churn, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY, open_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("lang", "run", "segment", "tab"), [
    ("en", "Run the analysis", "Champions", "Churn"),
    ("zh", "开始分析", "重要价值客户", "流失"),
])
def test_segments_main_path(page: Page, app_url: str, lang: str, run: str, segment: str, tab: str) -> None:
    open_app(page, f"{app_url}/segments?lang={lang}")
    page.get_by_role("button", name=run).click()
    expect(page.get_by_test_id("stTab").first).to_be_visible(timeout=180_000)
    page.wait_for_selector(READY, timeout=180_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_contain_text(segment)  # the treemap's largest segment
    page.screenshot(path=f"/tmp/segments_{lang}.png", full_page=True)
    page.get_by_test_id("stTab").filter(has_text=tab).click()
    expect(page.get_by_test_id("stMetric")).to_have_count(4, timeout=30_000)
    page.screenshot(path=f"/tmp/segments_churn_{lang}.png", full_page=True)
