"""Beacon's one clock: every "now" and "today" in the code comes from here, under one rule.

The rule: a moment is kept in UTC (`now`), so stored times sort and compare the same whoever wrote them;
a calendar day ("today", where a day starts and ends, the date or time shown to a person) is the
workspace's, in the time zone of its setting `timezone`. The default is Asia/Shanghai: Beacon is built
for marketing teams in China, whose days, weeks and months turn at Beijing midnight, eight hours before
UTC's; a UTC day would make "today" yesterday until 08:00 and put a 07:00 scheduled report in the wrong
week. The server's own time zone is never used. Without a workspace at hand, the workspace is the app's
(`$BEACON_HOME`).

Pass `at` to ask about another instant than the system clock's: tests do, so nothing is patched.

>>> home = Path("/nonexistent")  # no settings file: the default time zone
>>> today(home, at=dt.datetime(2025, 3, 9, 15, 59, 59, tzinfo=dt.UTC))
datetime.date(2025, 3, 9)
>>> today(home, at=dt.datetime(2025, 3, 9, 16, 0, tzinfo=dt.UTC))
datetime.date(2025, 3, 10)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from workspace.home import Workspace
from workspace.settings import Settings, check


def now(at: dt.datetime | None = None) -> dt.datetime:
    """The moment as an aware UTC time: `at` (a naive one is taken as UTC), else the system clock's."""
    if at is None:
        return dt.datetime.now(dt.UTC)
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def naive_now(at: dt.datetime | None = None) -> dt.datetime:
    """UTC wall time to the second, without a time zone: for columns that cannot hold one (DuckDB TIMESTAMP)."""
    return now(at).replace(microsecond=0, tzinfo=None)


def zone(home: Path | None = None) -> ZoneInfo:
    """The time zone of the workspace at `home` (setting `timezone`); a hand-edited bad name gets words."""
    value = Settings(home or Workspace.from_env().home).get("timezone")
    check("timezone", value)
    return ZoneInfo(value)


def local(moment: dt.datetime, home: Path | None = None) -> dt.datetime:
    """`moment` on the workspace's clock, for showing to a person (a naive moment is taken as UTC)."""
    return now(moment).astimezone(zone(home))


def today(home: Path | None = None, at: dt.datetime | None = None) -> dt.date:
    """The workspace's calendar day at `at` (default: now)."""
    return local(now(at), home).date()


def day_span(first: dt.date, last: dt.date, home: Path | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments from the start of day `first` to the end of day `last`, both whole workspace days."""
    where = zone(home)
    start = dt.datetime.combine(first, dt.time.min, where)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, where) - dt.timedelta(microseconds=1)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
