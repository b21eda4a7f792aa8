"""Ticks of a time axis that stay readable in a small tile, in English and Chinese.

Full dates side by side ("2024年1月 2024年3月 ...") overlap once there are more
than a handful, so a tick names its year only where the year starts (and on
the first tick); the others name just the month or day. Ticks fall on round
steps (every quarter's first month, every week...) chosen so the texts fit the
width a dashboard tile gives them.

>>> import datetime as dt
>>> days = [dt.date(2024, m, 1) for m in range(1, 13)] + [dt.date(2025, m, 1) for m in range(1, 13)]
>>> values, texts = time_ticks(days, "month", "en")
>>> texts[:3], len(values) <= 8, values[-1]
(['Jan 2024', 'Jul', 'Jan 2025'], True, datetime.date(2025, 12, 1))
>>> time_ticks(days, "month", "zh")[1][:2]
['2024年1月', '7月']
"""

from __future__ import annotations

import datetime as dt

from viz.format import format_date

WIDTH_PX = 360  # the plot's width in a narrow (a third of the page) dashboard tile
STEPS = {"day": (1, 2, 7, 14, 28, 56), "week": (1, 2, 4, 8, 13, 26, 52), "month": (1, 2, 3, 6, 12, 24),
         "quarter": (1, 2, 4, 8), "year": (1, 2, 5, 10, 20, 50)}


def tick_text(day: dt.date, grain: str, lang: str, with_year: bool) -> str:
    """A tick's text: the full date where `with_year`, else without the year (Apr / 4月, Dec 5 / 12月5日)."""
    if with_year or grain == "year":
        return format_date(day, lang, grain)
    quarter = (day.month - 1) // 3 + 1
    if lang == "zh":
        return {"quarter": f"第{quarter}季度", "month": f"{day.month}月"}.get(grain, f"{day.month}月{day.day}日")
    return {"quarter": f"Q{quarter}", "month": day.strftime("%b")}.get(grain, f"{day.strftime('%b')} {day.day}")


def text_width(text: str) -> float:
    """About how many pixels a tick text takes at Plotly's 12px font (CJK glyphs are twice as wide)."""
    return sum(12.0 if ord(c) > 0x2E80 else 7.0 for c in text)


def _on_step(day: dt.date, index: int, grain: str, step: int) -> bool:
    """Month, quarter and year ticks fall on calendar boundaries (Jan, Apr, Jul, Oct); others every `step`."""
    if grain == "month":
        return (day.month - 1) % step == 0
    if grain == "quarter":
        return ((day.month - 1) // 3) % step == 0
    if grain == "year":
        return day.year % step == 0
    return index % step == 0


def _with_last(days: list[dt.date], shown: list[dt.date], step: int) -> list[dt.date]:
    """The ticks with the last bucket added, so the axis's end is named; a tick half a step or less before
    it gives way, so the two texts never collide."""
    if not days or shown[-1] == days[-1]:
        return shown
    if len(shown) > 1 and 2 * (len(days) - 1 - days.index(shown[-1])) <= step:
        shown = shown[:-1]
    return [*shown, days[-1]]


def _labelled(days: list[dt.date], grain: str, lang: str, step: int) -> tuple[list[dt.date], list[str]]:
    shown = _with_last(days, [d for i, d in enumerate(days) if _on_step(d, i, grain, step)] or days[:1], step)
    texts = [tick_text(d, grain, lang, i == 0 or d.year != shown[i - 1].year) for i, d in enumerate(shown)]
    return shown, texts


def time_ticks(days: list[dt.date], grain: str, lang: str, width: float = WIDTH_PX) -> tuple[list[dt.date], list[str]]:
    """The dates to mark on the axis and their texts: the finest step whose texts fit in `width` pixels; the
    first and the last bucket are always marked.

    >>> year = [dt.date(2025, m, 1) for m in range(1, 13)]
    >>> time_ticks(year, "month", "en")[1]
    ['Jan 2025', 'Mar', 'May', 'Jul', 'Sep', 'Dec']
    """
    days = sorted(set(days))
    for step in STEPS.get(grain, (1,)):
        shown, texts = _labelled(days, grain, lang, step)
        if sum(text_width(t) + 12 for t in texts) <= width:
            return shown, texts
    return _labelled(days, grain, lang, STEPS.get(grain, (1,))[-1])
