"""Data page in a real browser: upload real files into an empty workspace, then profile, clean and model them.

Each server here has its own fresh BEACON_HOME in tmp, so uploads never touch the
session's demo warehouse. Screenshots of every step, in English and Chinese, go to
/tmp/data_shots/ for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import DATASETS
from tests.e2e.conftest import READY, open_app, serve

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/data_shots")
TMALL = DATASETS / "cn_tmall_orders/tmall_order_report.csv"
WAIT = 60_000
CITIES = ("北京", "上海", "广州", "深圳", "杭州")
CHANNELS = ("抖音", "小红书", "微信")


@pytest.fixture(scope="module")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data_home")


@pytest.fixture(scope="module")
def data_url(data_home: Path) -> Iterator[str]:
    """An empty workspace: no warehouse, no models, default settings."""
    yield from serve(data_home)


@pytest.fixture(scope="module")
def small_limit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("small_limit_home")
    (home / "settings.json").write_text(json.dumps({"max_upload_mb": 1}), encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def small_limit_url(small_limit_home: Path) -> Iterator[str]:
    yield from serve(small_limit_home)


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A server nobody has visited yet."""
    yield from serve(tmp_path)


@pytest.fixture(scope="module")
def gbk_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 orders in GBK with Chinese headers and a date column, as Excel in a Chinese locale saves them."""
    lines = ["订单号,下单日期,城市,金额,渠道"]
    lines += [f"A{n:04d},2024-03-{n % 28 + 1:02d},{CITIES[n % 5]},{100 + n * 7}.5,{CHANNELS[n % 3]}"
              for n in range(1, 41)]
    path = tmp_path_factory.mktemp("gbk") / "销售明细.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector(READY, timeout=WAIT)
    page.wait_for_timeout(400)  # let the tab underline finish moving
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_data_page(page: Page, url: str, data_label: str = "Data") -> None:
    """Open the app at its root, as a visitor does, then follow the sidebar link to the Data page."""
    open_app(page, url)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=data_label).click()
    expect(page.get_by_role("heading", name=data_label, exact=True)).to_be_visible(timeout=WAIT)
    page.wait_for_selector(READY, timeout=WAIT)


def tab(page: Page, name: str) -> Locator:
    return page.get_by_role("tab", name=name, exact=True)


def alert(page: Page, text: str | re.Pattern[str]) -> Locator:
    return page.get_by_test_id("stAlert").filter(has_text=text)


def upload(page: Page, path: Path) -> Locator:
    """Remove the file in the uploader, if any, put `path` in; returns the table-name box that comes with it."""
    uploader = page.get_by_test_id("stFileUploader")
    name_box = page.locator("[class*='st-key-upload_table_'] input")
    page.wait_for_selector(READY, timeout=WAIT)
    if name_box.count():
        uploader.get_by_role("button", name="Remove ").click()
        expect(name_box).to_have_count(0, timeout=WAIT)
    uploader.locator("input[type=file]").set_input_files(str(path))
    expect(uploader.locator(f"[data-testid='stFileChipName'][title='{path.name}']")).to_be_visible(timeout=WAIT)
    expect(name_box).to_be_visible(timeout=WAIT)
    page.wait_for_selector(READY, timeout=WAIT)
    return name_box


def load(page: Page, button: str, message: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(alert(page, message)).to_be_visible(timeout=WAIT)
    page.wait_for_selector(READY, timeout=WAIT)


def pick(page: Page, label: str, option: str) -> None:
    """Choose `option` in the visible selectbox labelled `label` (typing opens its list)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).filter(visible=True).first
    box.get_by_role("combobox").click()
    box.get_by_role("combobox").fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(option)
    page.wait_for_selector(READY, timeout=WAIT)


def metric(page: Page, label: str) -> Locator:
    """The value of the visible metric whose label is exactly `label`."""
    card = page.get_by_test_id("stMetric").filter(visible=True) \
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return card.get_by_test_id("stMetricValue")


def visible_text(page: Page, test_id: str) -> str:
    return "\n".join(page.get_by_test_id(test_id).filter(visible=True).all_inner_texts())


def test_upload_profile_clean_and_model_in_english_and_chinese(page: Page, data_url: str, gbk_csv: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})  # whole page in each screenshot
    open_data_page(page, data_url)

    expect(upload(page, gbk_csv)).to_have_value("xiaoshoumingxi")  # the file name in pinyin
    load(page, "Load", "Loaded 40 rows into xiaoshoumingxi")
    tab(page, "Tables").click()
    warnings = page.get_by_test_id("stAlert").filter(has_text="every value is different").filter(visible=True)
    expect(warnings).to_contain_text("订单号: every value is different (an identifier).")  # GBK header decoded
    pick(page, "Column", "下单日期")
    expect(page.get_by_text("Distribution", exact=True).filter(visible=True)).to_be_visible()  # a date histogram
    expect(page.locator(".js-plotly-plot").filter(visible=True)).to_have_count(1)

    tab(page, "Upload a file").click()
    expect(upload(page, TMALL)).to_have_value("tmall_order_report")
    load(page, "Load", "Loaded 28,010 rows into tmall_order_report")
    shot(page, "en_1_upload_after_load")

    tab(page, "Tables").click()
    pick(page, "Table", "tmall_order_report")  # the picker may still show the last table: see the xfail below
    expect(metric(page, "Rows")).to_have_text("28,010", timeout=WAIT)
    profile_warnings = visible_text(page, "stAlert")
    assert "订单付款时间: 14.01% of the values are missing." in profile_warnings
    assert "退款金额: 157 outliers far from the typical range." in profile_warnings
    expect(page.locator(".js-plotly-plot").filter(visible=True)).to_have_count(1)
    shot(page, "en_2_tables_profile")

    tab(page, "Clean").click()
    expect(page.get_by_text("No cleaning steps yet.").filter(visible=True)).to_be_visible()
    shot(page, "en_3_clean")

    tab(page, "Model").click()
    page.get_by_role("button", name="Propose a model for these tables").click()
    expect(page.get_by_role("button", name="Save model")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("stDataFrame").filter(visible=True)).to_have_count(3)  # catalog, metrics, dimensions
    shot(page, "en_4_model_proposed")

    page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="数据", exact=True)).to_be_visible(timeout=WAIT)
    page.wait_for_selector(READY, timeout=WAIT)
    tab(page, "上传文件").click()
    expect(page.get_by_role("button", name="导入", exact=True)).to_be_visible()
    load(page, "导入", "已导入 28,010 行到 tmall_order_report")
    shot(page, "zh_1_upload_after_load")

    tab(page, "数据表").click()
    expect(metric(page, "行数")).to_have_text("28,010", timeout=WAIT)
    assert "退款金额：有 157 个明显偏离常规范围的异常值。" in visible_text(page, "stAlert")
    shot(page, "zh_2_tables_profile")

    tab(page, "清洗").click()
    expect(page.get_by_text("还没有清洗步骤。").filter(visible=True)).to_be_visible()
    shot(page, "zh_3_clean")

    tab(page, "建模").click()
    page.get_by_role("button", name="为这些表生成模型").click()
    expect(page.get_by_role("button", name="保存模型")).to_be_visible(timeout=WAIT)
    shot(page, "zh_4_model_proposed")


def test_a_file_over_the_upload_limit_is_refused(page: Page, small_limit_url: str, small_limit_home: Path) -> None:
    open_data_page(page, small_limit_url)
    tab(page, "Tables").click()
    shot(page, "en_0_tables_empty_workspace")
    tab(page, "Upload a file").click()
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(TMALL))
    # The workspace's limit goes to the uploader, which refuses the file before sending a byte.
    expect(page.get_by_text("File must be 1.0MB or smaller")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Load", exact=True)).to_have_count(0)
    assert not list(small_limit_home.glob("uploads/*"))  # refused before anything was written
    shot(page, "en_5_upload_too_big")


def test_a_link_to_the_data_page_keeps_the_sidebar(page: Page, fresh_url: str) -> None:
    open_app(page, f"{fresh_url}/data")
    expect(page.get_by_test_id("stSidebar").get_by_text("中文", exact=True)).to_be_visible(timeout=3_000)


def test_the_table_name_follows_a_replaced_file(page: Page, data_url: str, gbk_csv: Path,
                                                tmp_path: Path) -> None:
    second = tmp_path / "campaign_costs.csv"
    second.write_text("day,channel,cost\n2024-03-01,search,120.5\n2024-03-02,social,80\n", encoding="utf-8")
    open_data_page(page, data_url)
    upload(page, gbk_csv)
    load(page, "Load", "Loaded 40 rows into xiaoshoumingxi")
    page.get_by_role("button", name="Load", exact=True).click()  # any rerun with the file in place
    expect(alert(page, "Loaded 40 rows into xiaoshoumingxi")).to_be_visible(timeout=WAIT)
    page.wait_for_selector(READY, timeout=WAIT)
    uploader = page.get_by_test_id("stFileUploader")
    uploader.locator("input[type=file]").set_input_files(str(second))  # dropped over the first, not removed
    expect(uploader.locator("[data-testid='stFileChipName'][title='campaign_costs.csv']")).to_be_visible()
    expect(page.locator("[class*='st-key-upload_table_'] input").first).to_have_value("campaign_costs",
                                                                                     timeout=3_000)


def test_the_tables_tab_shows_the_table_just_loaded(page: Page, data_url: str, tmp_path: Path) -> None:
    third = tmp_path / "leads.csv"
    third.write_text("lead_id,source\n1,webinar\n2,search\n3,search\n", encoding="utf-8")
    open_data_page(page, data_url)
    tab(page, "Tables").click()
    expect(page.locator(".st-key-data_table")).to_be_visible()
    tab(page, "Upload a file").click()
    expect(upload(page, third)).to_have_value("leads")
    load(page, "Load", "Loaded 3 rows into leads")
    tab(page, "Tables").click()
    expect(page.locator(".st-key-data_table").get_by_role("combobox")).to_have_value("leads", timeout=3_000)
