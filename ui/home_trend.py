"""Home's trend: the grain for a period and the months a period covers only in part, so no bucket starts before
the period and a cut month never passes for a collapse."""

from __future__ import annotations

import datetime as dt

from semantic.query import TimeRange
from viz.format import format_date
from viz.i18n import t


def trend_grain(window: TimeRange) -> str:
    """Days up to a quarter, months beyond: weeks start on a Monday before the period (Dec 30 for a year to date)
    and end on a part-week that looks like a collapse; a month is cut only where the period itself is."""
    return "day" if window.days <= 92 else "month"


def partial_buckets(window: TimeRange, grain: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(month, first day, last day) of the first and last months when the period covers only part of them.

    >>> partial_buckets(TimeRange(dt.date(2025, 1, 1), dt.date(2025, 6, 18)), "month")
    [(datetime.date(2025, 6, 1), datetime.date(2025, 6, 1), datetime.date(2025, 6, 18))]
    """
    if grain != "month":
        return []
    first, last = window.start.replace(day=1), window.end.replace(day=1)
    ends = {m: (m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) for m in (first, last)}
    cut = []
    if window.start != first or (first == last and window.end != ends[first]):
        cut.append((first, window.start, min(window.end, ends[first])))
    if last != first and window.end != ends[last]:
        cut.append((last, last, window.end))
    return cut


def partial_note(window: TimeRange, grain: str, lang: str) -> str | None:
    """The caption under the trend naming each month the period covers only in part, or None."""
    cut = partial_buckets(window, grain)
    if not cut:
        return None
    parts = [t("home.partial_month", lang, month=format_date(m, lang, "month"), start=format_date(a, lang),
               end=format_date(b, lang)) for m, a, b in cut]
    return t("home.partial_note", lang, months=t("home.partial_join", lang).join(parts))
