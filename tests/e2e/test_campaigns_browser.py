"""Campaigns in a real browser: open a campaign's review by its link, see the ROAS hand-written SQL gives,
generate the review file; open a campaign from the list; visit every section."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY, open_app
from viz.format import format_value

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("lang", "name", "roas", "funnel", "review"), [
    ("en", "618 Mid-Year Sale 2025", "ROAS", "Funnel", "Generate review"),
    ("zh", "2025 618 年中大促", "投产比", "转化漏斗", "生成复盘报告"),  # the model's Chinese name of the campaign
])
def test_open_a_campaign_by_its_link(page: Page, app_url: str, con: duckdb.DuckDBPyConnection, lang: str,
                                     name: str, roas: str, funnel: str, review: str) -> None:
    expected = con.sql("""
        SELECT (SELECT SUM(net_amount) FROM orders WHERE campaign_id = 'CMP027' AND status = 'completed')
             / (SELECT SUM(spend) FROM ad_spend WHERE campaign_id = 'CMP027')""").fetchall()[0][0]
    open_app(page, f"{app_url}/campaigns?campaign=CMP027&lang={lang}")
    expect(page.get_by_text(name).first).to_be_visible(timeout=60_000)
    card = page.get_by_test_id("stMetric").filter(has=page.get_by_text(roas, exact=True))
    expect(card.get_by_test_id("stMetricValue")).to_have_text(format_value(expected, "ratio", lang))
    expect(page.get_by_text(funnel, exact=True)).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    page.wait_for_selector(READY, timeout=60_000)
    page.screenshot(path=f"/tmp/campaigns_{lang}.png", full_page=True)
    assert "campaign=CMP027" in page.url
    page.get_by_test_id("stBaseButton-secondary").filter(has_text=review).click()
    expect(page.get_by_test_id("stDownloadButton")).to_contain_text("review-CMP027", timeout=60_000)


def test_list_row_opens_its_review_then_sections(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/campaigns?lang=en")
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible(timeout=60_000)
    page.screenshot(path="/tmp/campaigns_list_en.png", full_page=True)
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's checkbox: the latest campaign
    expect(page.get_by_role("heading", name="Winter Gift Sets Launch 2025")).to_be_visible(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert "campaign=CMP040" in page.url
    for section, shot in (("Channels", "channels"), ("Attribution", "attribution"), ("A/B test", "ab"),
                          ("Anomalies and alerts", "watch")):
        page.get_by_test_id("stRadio").get_by_text(section, exact=True).click()
        page.wait_for_selector(READY, timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.screenshot(path=f"/tmp/campaigns_{shot}_en.png", full_page=True)
