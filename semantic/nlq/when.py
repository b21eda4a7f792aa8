"""The period, grain and comparison of a question, from the time expressions found in it.

Two periods joined by "vs"/对比 are a comparison when one is the previous period or the
same period a year before; joined by "and"/"to" they are one span. A comparison with no
period compares year to date (year over year) or the latest whole month (period over period).
"""

from __future__ import annotations

import datetime as dt
import re

from semantic.nlq.dates import YEAR_WORD, Period, month_range
from semantic.nlq.draft import Draft
from semantic.nlq.grammar import CONNECTOR, GROWTH, VERSUS
from semantic.nlq.reading import Reading
from semantic.periods import comparison_window, whole_months
from semantic.query import TimeRange
from viz.i18n import t


def read_time(draft: Draft, reading: Reading, as_of: dt.date, lang: str) -> None:
    """Period, comparison and grain of the question, into `draft`."""
    if reading.comparison:
        draft.compare = reading.comparison.compare
    elif (growth := GROWTH.search(reading.rest)) is not None:  # "growth", 增长: vs the previous period, or a year
        draft.compare, draft.compare_options = "previous_period", ["previous_year"]
        draft.notes.append(t("nlq.note_growth", lang, word=growth.group()))
    if len(reading.periods) == 1:
        draft.time_range = reading.periods[0].range
    elif len(reading.periods) >= 2:
        _two_periods(draft, reading, lang)
    _festival_notes(draft, reading, lang)
    _grain(draft, reading, lang)


def _festival_notes(draft: Draft, reading: Reading, lang: str) -> None:
    for period in reading.periods:
        if period.range.days == 1 and re.search(r"double|双|618|六一八|\.1[12]|single", period.text) \
                and not re.search(r"\d{4}[-/.年]\d", period.text):
            draft.notes.append(t("nlq.note_festival", lang, word=period.text, date=period.range.start.isoformat()))


def _grain(draft: Draft, reading: Reading, lang: str) -> None:
    if reading.grains:
        draft.time_grain = reading.grains[0].grain
        which = next((g for g in reading.grains if g.which), None)
        if which is not None:
            draft.which = "one" if (which.count or 1) == 1 else "many"
            draft.limit = which.count if draft.which == "many" else None
    elif reading.trend:
        draft.time_grain = "month"
        draft.notes.append(t("nlq.note_trend", lang, word=reading.trend))


SPAN_WORD = re.compile(r"\s*(?:to|until|through|thru|-|~|到|至)\s*")


def _two_periods(draft: Draft, reading: Reading, lang: str) -> None:
    """"Q2 vs Q1", "2025年和2024年对比" → a comparison; "from June 2025 to August 2025" → one span."""
    first, second = reading.periods[0], reading.periods[1]
    gap = reading.text[first.end:second.start]
    versus = VERSUS.search(reading.text) or reading.comparison
    if versus and not SPAN_WORD.fullmatch(gap):
        current, other = sorted((first.range, second.range), key=lambda r: r.start, reverse=True)
        for compare in ("previous_year", "previous_period"):
            window = comparison_window(current, compare)[0]
            if window.start == other.start and window.end <= other.end:  # 今年和去年对比: the same dates
                draft.time_range, draft.compare = current, compare
                if window != other:
                    draft.notes.append(t("nlq.note_same_dates", lang, start=window.start.isoformat(),
                                         end=window.end.isoformat()))
                return
        draft.clarification = t("nlq.cannot_compare", lang)
        return
    inner = next(((a, b) for a in reading.periods for b in reading.periods if a is not b and _inside(a, b)), None)
    if inner:  # "2025年的销售额，双十一当天": a span would silently drop the narrower period
        draft.clarification = t("nlq.nested_periods", lang, outer=inner[0].text, inner=inner[1].text)
        return
    apart = next(((a, b) for a, b in zip(reading.periods, reading.periods[1:], strict=False)
                  if not _joined(reading.text[a.end:b.start])), None)
    if apart:  # "11月的前两周": not a list or a span of periods; a span of both would answer another question
        draft.clarification = t("nlq.two_periods", lang, first=apart[0].text, second=apart[1].text)
        return
    start = min(p.range.start for p in reading.periods)
    end = max(p.range.end for p in reading.periods)
    draft.time_range = TimeRange(start, end)
    draft.notes.append(t("nlq.note_span", lang, start=start.isoformat(), end=end.isoformat()))
    sizes = {whole_months(p.range) for p in reading.periods}
    if CONNECTOR.match(gap) and len(sizes) == 1 and draft.time_grain is None:
        draft.time_grain = {1: "month", 3: "quarter", 12: "year"}.get(sizes.pop())  # "2024 and 2025": by year


def _joined(gap: str) -> bool:
    """Periods listed ("2024 and 2025", 6月、7月) or spanned ("June to August")."""
    return bool(CONNECTOR.match(gap) or SPAN_WORD.fullmatch(gap))


def _inside(outer: Period, inner: Period) -> bool:
    """`inner` lies in `outer`, or is a part of a year named without one while `outer` names a year (2024年…618)."""
    a, b = outer.range, inner.range
    if a != b and a.start <= b.start and b.end <= a.end:
        return True
    return bool(YEAR_WORD.fullmatch(outer.text)) and not YEAR_WORD.fullmatch(inner.text) \
        and not re.search(r"20\d\d|年|year", inner.text) and b.start.year == b.end.year


def compare_window(draft: Draft, as_of: dt.date, lang: str) -> None:
    """A comparison with no period (after any follow-up merge, which may bring one) compares a default window."""
    if draft.compare and draft.time_range is None:
        draft.time_range = _default_window(draft.compare, as_of)
        draft.notes.append(t("nlq.note_compare_default", lang, start=draft.time_range.start.isoformat(),
                             end=draft.time_range.end.isoformat()))


def _default_window(compare: str, as_of: dt.date) -> TimeRange:
    """Year to date for year over year; the latest whole month for period over period."""
    if compare == "previous_year":
        return TimeRange(as_of.replace(month=1, day=1), as_of)
    month = month_range(as_of.year, as_of.month)
    if month.end == as_of:
        return month
    previous = as_of.replace(day=1) - dt.timedelta(days=1)
    return month_range(previous.year, previous.month)
