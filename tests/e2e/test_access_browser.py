"""Sign-in and row-level security in a real browser, on a workspace that is not an open demo.

A regional viewer (policy region = 'East') who opens the Marketing overview's address is asked to
sign in first, then sees East's revenue only, equal to hand-written SQL restricted to East; an admin
opening the same address sees the whole company's. The sign-in and Admin pages are photographed
in both languages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import READY, open_app, serve
from viz.format import format_value
from workspace.demo_dashboards import MARKETING_ID, YEAR
from workspace.home import Workspace
from workspace.policies import add_rule
from workspace.users import add_user

pytestmark = pytest.mark.e2e
PASSWORDS = {"boss": "boss password 1", "east": "east password 1"}
SIGN_IN = {"en": ("User name", "Password", "Sign in"), "zh": ("用户名", "密码", "登录")}


@pytest.fixture(scope="module")
def access_url(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server workspace with sign-in on: an admin and a viewer who may see the East region only."""
    home = tmp_path_factory.mktemp("access_e2e")
    shutil.copy(warehouse, home / "warehouse.duckdb")
    ws = Workspace(home)
    add_user(ws, "boss", "admin", PASSWORDS["boss"])
    add_user(ws, "east", "viewer", PASSWORDS["east"])
    add_rule(ws, user="east", filter="region = 'East'")
    yield from serve(home, open_demo=False)


def revenue_2025(con: duckdb.DuckDBPyConnection, region: str | None) -> str:
    """The Marketing overview's Revenue tile, computed by hand: completed orders' net amount in 2025."""
    where = "AND c.region = ?" if region else ""
    params = [YEAR.start, YEAR.end, *([region] if region else [])]
    value = con.execute(f"""
        SELECT SUM(o.net_amount) FROM orders o JOIN customers c ON c.customer_id = o.customer_id
        WHERE o.status = 'completed' AND CAST(o.order_date AS DATE) BETWEEN ? AND ? {where}""", params).fetchone()
    assert value is not None and value[0] > 0
    return format_value(value[0], "currency", "en")


def sign_in(page: Page, name: str, lang: str = "en") -> None:
    user_label, password_label, button = SIGN_IN[lang]
    page.get_by_label(user_label).fill(name)
    page.get_by_label(password_label, exact=True).fill(PASSWORDS[name])
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_selector(READY)


def test_a_regional_viewer_sees_only_their_regions_numbers(page: Page, browser: Browser, access_url: str,
                                                           con: duckdb.DuckDBPyConnection) -> None:
    east, everyone = revenue_2025(con, "East"), revenue_2025(con, None)
    assert east != everyone
    open_app(page, f"{access_url}/dashboards?dashboard={MARKETING_ID}")
    expect(page.get_by_role("heading", name="Sign in to Beacon")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    page.screenshot(path="/tmp/access_signin_en.png")
    sign_in(page, "east")
    expect(page.get_by_role("heading", name="Marketing overview")).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot").get_by_text(east, exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot").get_by_text(everyone, exact=True)).to_have_count(0)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Dashboards")).to_be_visible()
    expect(nav.get_by_role("link", name="Data")).to_have_count(0)
    expect(nav.get_by_role("link", name="Users and access")).to_have_count(0)
    page.screenshot(path="/tmp/access_viewer_dashboard.png")

    admin = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_app(admin, f"{access_url}/dashboards?dashboard={MARKETING_ID}")
    sign_in(admin, "boss")
    expect(admin.locator(".js-plotly-plot").get_by_text(everyone, exact=True)).to_be_visible(timeout=30_000)
    admin.context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sign_in_and_admin_pages_in_both_languages(page: Page, access_url: str, lang: str) -> None:
    open_app(page, f"{access_url}/?lang={lang}")
    expect(page.get_by_role("heading", name="Sign in to Beacon" if lang == "en" else "登录 Beacon")).to_be_visible()
    page.screenshot(path=f"/tmp/access_signin_{lang}.png")
    sign_in(page, "boss", lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Users and access" if lang == "en"
                                                     else "用户与权限").click()
    page.wait_for_selector(READY)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
    page.screenshot(path=f"/tmp/access_admin_{lang}.png", full_page=True)
    page.get_by_role("tab", name="Data policies" if lang == "en" else "数据权限策略").click()
    rule = page.get_by_role("combobox", name="Rule to remove" if lang == "en" else "要删除的规则")
    expect(rule).to_have_value("#1 east: " + ("Only rows where" if lang == "en" else "仅限以下行") + " region = 'East'")
    page.screenshot(path=f"/tmp/access_policies_{lang}.png", full_page=True)
    page.get_by_role("tab", name="Audit log" if lang == "en" else "审计日志").click()
    expect(page.get_by_test_id("stDataFrame").last).to_be_visible()
    page.screenshot(path=f"/tmp/access_audit_{lang}.png", full_page=True)
