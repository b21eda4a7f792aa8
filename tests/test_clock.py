"""The one clock: moments in UTC, days in the workspace's time zone, turning at that zone's midnight."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from errors import InputError
from workspace import clock
from workspace.settings import Settings


def with_zone(home: Path, name: str) -> Path:
    Settings(home).set("timezone", name)
    return home


def test_the_default_day_turns_at_beijing_midnight(tmp_path: Path) -> None:
    before = dt.datetime(2025, 3, 9, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 in Beijing
    assert clock.today(tmp_path, at=before) == dt.date(2025, 3, 9)
    assert clock.today(tmp_path, at=before + dt.timedelta(seconds=1)) == dt.date(2025, 3, 10)


def test_a_utc_workspace_turns_at_utc_midnight(tmp_path: Path) -> None:
    home = with_zone(tmp_path, "UTC")
    midnight = dt.datetime(2025, 3, 10, tzinfo=dt.UTC)
    assert clock.today(home, at=midnight - dt.timedelta(microseconds=1)) == dt.date(2025, 3, 9)
    assert clock.today(home, at=midnight) == dt.date(2025, 3, 10)


def test_a_zone_with_summer_time_follows_it(tmp_path: Path) -> None:
    home = with_zone(tmp_path, "America/New_York")
    assert clock.today(home, at=dt.datetime(2025, 1, 15, 4, 59, tzinfo=dt.UTC)) == dt.date(2025, 1, 14)  # UTC-5
    assert clock.today(home, at=dt.datetime(2025, 7, 15, 3, 59, tzinfo=dt.UTC)) == dt.date(2025, 7, 14)  # UTC-4
    assert clock.today(home, at=dt.datetime(2025, 7, 15, 4, 0, tzinfo=dt.UTC)) == dt.date(2025, 7, 15)


def test_a_moment_is_utc_and_a_naive_one_is_taken_as_utc() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert clock.now(dt.datetime(2025, 3, 10, 7, 30, tzinfo=beijing)) == dt.datetime(2025, 3, 9, 23, 30,
                                                                                     tzinfo=dt.UTC)
    assert clock.now(dt.datetime(2025, 3, 10, 7, 30)).tzinfo == dt.UTC
    assert clock.now().tzinfo == dt.UTC
    assert clock.naive_now(dt.datetime(2025, 3, 10, 7, 30, 5, 999, tzinfo=beijing)) == dt.datetime(2025, 3, 9, 23,
                                                                                                   30, 5)


def test_local_shows_a_stored_moment_on_the_workspace_clock(tmp_path: Path) -> None:
    shown = clock.local(dt.datetime(2025, 3, 9, 23, 30, tzinfo=dt.UTC), tmp_path)
    assert (shown.date(), shown.hour, shown.utcoffset()) == (dt.date(2025, 3, 10), 7, dt.timedelta(hours=8))


def test_a_day_span_covers_whole_local_days(tmp_path: Path) -> None:
    start, end = clock.day_span(dt.date(2025, 3, 10), dt.date(2025, 3, 11), tmp_path)
    assert start == dt.datetime(2025, 3, 9, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2025, 3, 11, 15, 59, 59, 999999, tzinfo=dt.UTC)


def test_a_bad_zone_is_refused_in_words_and_changes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="time zone name such as Asia/Shanghai"):
        Settings(tmp_path).set("timezone", "Beijing")
    assert Settings(tmp_path).get("timezone") == "Asia/Shanghai"
    (tmp_path / "settings.json").write_text('{"timezone": "Mars/Olympus"}', encoding="utf-8")  # edited by hand
    with pytest.raises(InputError, match="Setting 'timezone'"):
        clock.today(tmp_path)


def test_stored_times_are_shown_on_the_team_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Admin, Data and Segments pages show created and loaded times through ui.widgets.local_time."""
    from ui.widgets import local_time

    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    assert local_time(dt.datetime(2025, 6, 18, 16, 30)) == "2025-06-19 00:30"  # naive UTC from the catalog
    with_zone(tmp_path, "UTC")
    assert local_time(dt.datetime(2025, 6, 18, 16, 30, tzinfo=dt.UTC)) == "2025-06-18 16:30"
