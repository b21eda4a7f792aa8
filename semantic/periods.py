"""Calendar arithmetic for periods: comparison windows and the shift that aligns them.

>>> comparison_window(TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30)), "previous_period")
(TimeRange(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 3, 31)), Shift(amount=3, unit='month'))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from errors import QueryError
from semantic.query import TimeRange
from viz.i18n import keyed_error


@dataclass(frozen=True)
class Shift:
    """How far the comparison period lies before the current one."""

    amount: int
    unit: str  # day, month or year

    def interval(self) -> exp.Interval:
        return exp.Interval(this=exp.Literal.string(str(self.amount)), unit=exp.Var(this=self.unit.upper()))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clipped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, _month_days(year, month + 1)))


def _month_days(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def whole_months(window: TimeRange) -> int:
    """How many whole calendar months the window covers exactly, or 0."""
    if window.start.day != 1 or (window.end + dt.timedelta(days=1)).day != 1:
        return 0
    return (window.end.year - window.start.year) * 12 + window.end.month - window.start.month + 1


def comparison_window(window: TimeRange, compare: str) -> tuple[TimeRange, Shift]:
    """The period to compare with: the same dates a year before, or the period just before.

    A window of whole months is compared with the same whole months (to their last day: all of a leap
    February, not its first 28 days).
    """
    months = whole_months(window)
    if compare == "previous_year":
        start = add_months(window.start, -12)
        end = add_months(start, months) - dt.timedelta(days=1) if months else add_months(window.end, -12)
        return TimeRange(start, end), Shift(1, "year")
    if months:
        start = add_months(window.start, -months)
        return TimeRange(start, window.start - dt.timedelta(days=1)), Shift(months, "month")
    days = window.days
    return (TimeRange(window.start - dt.timedelta(days=days), window.start - dt.timedelta(days=1)),
            Shift(days, "day"))


PRESETS = ("last_7_days", "last_30_days", "last_90_days", "month_to_date", "last_month",
           "quarter_to_date", "year_to_date", "last_year")


def preset_range(name: str, as_of: dt.date) -> TimeRange:
    """A named period ending on (or just before) `as_of`, the last day with data or today.

    >>> preset_range("last_month", dt.date(2025, 3, 15))
    TimeRange(start=datetime.date(2025, 2, 1), end=datetime.date(2025, 2, 28))
    """
    if name.startswith("last_") and name.endswith("_days"):
        days = int(name.split("_")[1])
        return TimeRange(as_of - dt.timedelta(days=days - 1), as_of)
    month_start = as_of.replace(day=1)
    starts = {"month_to_date": month_start,
              "quarter_to_date": month_start.replace(month=(as_of.month - 1) // 3 * 3 + 1),
              "year_to_date": as_of.replace(month=1, day=1)}
    if name in starts:
        return TimeRange(starts[name], as_of)
    if name == "last_month":
        return TimeRange(add_months(month_start, -1), month_start - dt.timedelta(days=1))
    if name == "last_year":
        return TimeRange(dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31))
    raise keyed_error(QueryError, "errors.query.period", name=name, choices=", ".join(PRESETS))
