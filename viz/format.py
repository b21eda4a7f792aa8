"""Numbers and dates the way each language writes them: 1.2M / 120万, Jun 2025 / 2025年6月.

>>> format_value(123_456_789, "currency", "zh")
'¥1.23亿'
>>> format_value(123_456_789, "currency", "en")
'¥123.5M'
>>> format_value(0.0345, "percent", "en"), format_change(-0.052, "zh")
('3.45%', '-5.2%')
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_EN_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "K"))
_ZH_UNITS = ((1e8, "亿"), (1e4, "万"))
MISSING = "–"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def compact(value: float, lang: str) -> str:
    """A short number: 12.3K / 1.2M in English, 12.35万 / 1.23亿 in Chinese, grouped by thousands like any other.

    >>> compact(42_512_200, "zh"), compact(1_234_500_000_000, "zh"), compact(-98_765_432, "zh")
    ('4,251.22万', '12,345亿', '-9,876.54万')
    """
    for size, unit in _ZH_UNITS if lang == "zh" else _EN_UNITS:
        if abs(value) >= size:
            scaled = value / size
            digits = 2 if lang == "zh" or abs(scaled) < 10 else 1
            return f"{scaled:,.{digits}f}".rstrip("0").rstrip(".") + unit  # 4,251.22万, 12,345亿
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_value(value: float | Decimal | None, fmt: str, lang: str = "en", currency: str = "CNY",
                 full: bool = False) -> str:
    """Format a metric value by its model format (currency, integer, number, percent, ratio).

    Exact sums arrive from the database as Decimal; they are shown like any other number.
    """
    if _missing(value):
        return MISSING
    assert value is not None
    value = float(value)
    if fmt == "percent":
        return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
    if fmt == "ratio":
        return f"{value:,.2f}"
    text = (f"{value:,.0f}" if fmt == "integer" or abs(value) >= 1000 else f"{value:,.2f}") if full \
        else compact(value, lang)
    if fmt == "currency":
        sign = CURRENCY_SIGNS.get(currency, "")
        return f"-{sign}{text[1:]}" if text.startswith("-") else f"{sign}{text}"
    return text


def format_change(ratio: float | None, lang: str = "en") -> str:
    """A relative change as a signed percentage: +12.3% / -5.2%."""
    if _missing(ratio):
        return MISSING
    assert ratio is not None
    return f"{ratio * 100:+.1f}%"


def format_points(value: float, base: float) -> str:
    """The gap between two rates in percentage points, signed: hundredths below one point, tenths from one
    point up (+24.3 / -3.4 / -0.15 / -0.02). A gap that rounds to nothing is 0, unsigned (+0.00 read as a rise).
    A rate's relative change means nothing near zero (ROI 0.52% → -2.87% is -651%), so rates differ in points.

    >>> format_points(-0.0287, 0.0052), format_points(0.0302, 0.0317), format_points(0.25, 0.25)
    ('-3.4', '-0.15', '0')
    >>> format_points(0.6217, 0.3787), format_points(0.024, 0.0242), format_points(0.25, 0.25000001)
    ('+24.3', '-0.02', '0')
    """
    points = (value - base) * 100
    text = f"{points:+.1f}" if abs(points) >= 1 else f"{points:+.2f}"
    return "0" if float(text) == 0 else text


def format_date(day: dt.date, lang: str = "en", grain: str = "day") -> str:
    """A date at a grain: 'Jun 18, 2025' / '2025年6月18日', 'Q2 2025' / '2025年第2季度'."""
    quarter = (day.month - 1) // 3 + 1
    if lang == "zh":
        return {"year": f"{day.year}年", "quarter": f"{day.year}年第{quarter}季度",
                "month": f"{day.year}年{day.month}月"}.get(grain, f"{day.year}年{day.month}月{day.day}日")
    return {"year": f"{day.year}", "quarter": f"Q{quarter} {day.year}",
            "month": day.strftime("%b %Y")}.get(grain, day.strftime("%b %-d, %Y"))
