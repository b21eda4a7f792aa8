"""Ask in a real browser: a typed question gets the number hand-written SQL gives, in English and Chinese."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY, open_app
from viz.format import format_value

pytestmark = pytest.mark.e2e

LAST_MONTH_REVENUE = ("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                      "AND order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'")


def ask_in_chat(page: Page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage").filter(has_text=question)).to_have_count(1, timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)


def test_a_question_in_english_then_in_chinese(page: Page, app_url: str, con: duckdb.DuckDBPyConnection) -> None:
    revenue = con.execute(LAST_MONTH_REVENUE).fetchone()[0]
    open_app(page, f"{app_url}/ask")
    expect(page.get_by_role("heading", name="Ask")).to_be_visible()
    ask_in_chat(page, "revenue last month")
    card = page.get_by_test_id("stMetric").filter(has_text="Revenue").first
    expect(card.get_by_test_id("stMetricValue")).to_have_text(format_value(revenue, "currency", "en"))
    expect(page.get_by_text("Understood as: Revenue")).to_be_visible()
    page.screenshot(path="/tmp/ask.png", full_page=True)

    open_app(page, f"{app_url}/ask?lang=zh")
    expect(page.get_by_role("heading", name="问答")).to_be_visible()
    ask_in_chat(page, "上个月各渠道的销售额")
    ask_in_chat(page, "上个月的销售额")
    card = page.get_by_test_id("stMetric").filter(has_text="销售额").first
    expect(card.get_by_test_id("stMetricValue")).to_have_text(format_value(revenue, "currency", "zh"))
    page.screenshot(path="/tmp/ask_zh.png", full_page=True)
