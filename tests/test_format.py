"""Numbers, dates and UI text in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from viz.format import format_change, format_date, format_points, format_value
from viz.i18n import LANGUAGES, t, translations


@pytest.mark.parametrize(("value", "fmt", "en", "zh"), [
    (123_456_789, "currency", "¥123.5M", "¥1.23亿"),
    (98_765_432, "currency", "¥98.8M", "¥9,876.54万"),
    (12_345, "integer", "12.3K", "1.23万"),
    (9_999, "integer", "10K", "9,999"),
    (-23_456, "currency", "-¥23.5K", "-¥2.35万"),
    (371.456, "currency", "¥371.46", "¥371.46"),
    (0.0345, "percent", "3.45%", "3.45%"),
    (2.5, "ratio", "2.50", "2.50"),
    (None, "currency", "–", "–"),
    (float("nan"), "integer", "–", "–"),
])
def test_values(value: float | None, fmt: str, en: str, zh: str) -> None:
    assert format_value(value, fmt, "en") == en
    assert format_value(value, fmt, "zh") == zh


def test_full_numbers_and_changes() -> None:
    assert format_value(1_234_567, "integer", "zh", full=True) == "1,234,567"
    assert format_change(0.1234, "en") == "+12.3%" and format_change(-0.05, "zh") == "-5.0%"
    assert format_change(None) == "–"


def test_points_keep_one_rule_and_no_change_has_no_sign() -> None:
    assert [format_points(v, b) for v, b in ((0.6217, 0.3787), (0.024, 0.0242), (0.0302, 0.0317))] == \
        ["+24.3", "-0.02", "-0.15"]
    assert format_points(0.25, 0.25) == "0" and format_points(0.25, 0.250004) == "0"
    assert t("campaigns.vs_points", "en", points=format_points(0.25, 0.25)) == "0 pts"
    assert t("campaigns.vs_points", "zh", points=format_points(0.25, 0.25)) == "0 个百分点"


def test_dates() -> None:
    day = dt.date(2025, 6, 18)
    assert format_date(day, "en") == "Jun 18, 2025" and format_date(day, "zh") == "2025年6月18日"
    assert format_date(day, "en", "quarter") == "Q2 2025" and format_date(day, "zh", "month") == "2025年6月"


def test_translation_files_have_the_same_keys() -> None:
    keys = {lang: set(translations(lang)) for lang in LANGUAGES}
    assert keys["en"] == keys["zh"]
    assert all(translations("zh")[k] != translations("en")[k] for k in ("home.title", "periods.last_month"))


def test_placeholders() -> None:
    assert t("home.data_through", "zh", date="2025年12月31日") == "数据截至 2025年12月31日"
    assert t("no.such.key", "zh") == "no.such.key"
