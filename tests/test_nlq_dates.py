"""Time expressions and grains in English and Chinese, read against a fixed "as of" day."""

from __future__ import annotations

import datetime as dt

import pytest

from semantic.nlq.dates import PeriodError, find_grains, find_periods
from semantic.nlq.text import normalize

AS_OF = dt.date(2025, 12, 31)      # the demo data's last day
MID = dt.date(2025, 8, 14)         # a Thursday in the middle of a month and quarter


def period(text: str, as_of: dt.date = AS_OF) -> tuple[str, str]:
    found = find_periods(normalize(text), as_of)
    assert len(found) == 1, (text, found)
    return found[0].range.start.isoformat(), found[0].range.end.isoformat()


@pytest.mark.parametrize(("text", "start", "end"), [
    ("last month", "2025-07-01", "2025-07-31"), ("上个月", "2025-07-01", "2025-07-31"),
    ("上月", "2025-07-01", "2025-07-31"),
    ("this month", "2025-08-01", "2025-08-14"), ("本月", "2025-08-01", "2025-08-14"),
    ("这个月", "2025-08-01", "2025-08-14"),
    ("last week", "2025-08-04", "2025-08-10"), ("上周", "2025-08-04", "2025-08-10"),
    ("this week", "2025-08-11", "2025-08-14"), ("本周", "2025-08-11", "2025-08-14"),
    ("last 7 days", "2025-08-08", "2025-08-14"), ("最近7天", "2025-08-08", "2025-08-14"),
    ("past 30 days", "2025-07-16", "2025-08-14"), ("近30天", "2025-07-16", "2025-08-14"),
    ("last 90 days", "2025-05-17", "2025-08-14"), ("过去90天", "2025-05-17", "2025-08-14"),
    ("last three months", "2025-05-15", "2025-08-14"), ("近3个月", "2025-05-15", "2025-08-14"),
    ("yesterday", "2025-08-13", "2025-08-13"), ("昨天", "2025-08-13", "2025-08-13"),
    ("the day before yesterday", "2025-08-12", "2025-08-12"), ("前天", "2025-08-12", "2025-08-12"),
    ("today", "2025-08-14", "2025-08-14"), ("今天", "2025-08-14", "2025-08-14"),
    ("Q2 2025", "2025-04-01", "2025-06-30"), ("2025 Q2", "2025-04-01", "2025-06-30"),
    ("Q2", "2025-04-01", "2025-06-30"), ("the second quarter of 2024", "2024-04-01", "2024-06-30"),
    ("第二季度", "2025-04-01", "2025-06-30"), ("2024年第三季度", "2024-07-01", "2024-09-30"),
    ("二季度", "2025-04-01", "2025-06-30"), ("2025年Q1", "2025-01-01", "2025-03-31"),
    ("Q4", "2024-10-01", "2024-12-31"),  # this year's Q4 has not started yet on 14 August
    ("last quarter", "2025-04-01", "2025-06-30"), ("上季度", "2025-04-01", "2025-06-30"),
    ("上个季度", "2025-04-01", "2025-06-30"),
    ("this quarter", "2025-07-01", "2025-08-14"), ("本季度", "2025-07-01", "2025-08-14"),
    ("year to date", "2025-01-01", "2025-08-14"), ("YTD", "2025-01-01", "2025-08-14"),
    ("今年以来", "2025-01-01", "2025-08-14"), ("年初至今", "2025-01-01", "2025-08-14"),
    ("this year", "2025-01-01", "2025-08-14"), ("今年", "2025-01-01", "2025-08-14"),
    ("last year", "2024-01-01", "2024-12-31"), ("去年", "2024-01-01", "2024-12-31"),
    ("前年", "2023-01-01", "2023-12-31"),
    ("2025", "2025-01-01", "2025-12-31"), ("2024年", "2024-01-01", "2024-12-31"),
    ("June 2025", "2025-06-01", "2025-06-30"), ("2025年6月", "2025-06-01", "2025-06-30"),
    ("2025-06", "2025-06-01", "2025-06-30"), ("6月份", "2025-06-01", "2025-06-30"),
    ("in May", "2025-05-01", "2025-05-31"), ("十一月", "2024-11-01", "2024-11-30"),
    ("on 2025-06-18", "2025-06-18", "2025-06-18"), ("2025年6月18日", "2025-06-18", "2025-06-18"),
    ("between 2025-01-01 and 2025-03-31", "2025-01-01", "2025-03-31"),
    ("从2025年1月1日到2025年3月31日", "2025-01-01", "2025-03-31"),
    ("2025-01-01至2025-03-31", "2025-01-01", "2025-03-31"),
    ("双十一", "2024-11-11", "2024-11-11"), ("双11", "2024-11-11", "2024-11-11"),
    ("Double 11 2025", "2025-11-11", "2025-11-11"), ("2025年双十一", "2025-11-11", "2025-11-11"),
    ("618", "2025-06-18", "2025-06-18"), ("2024年618", "2024-06-18", "2024-06-18"),
    ("双十二", "2024-12-12", "2024-12-12"),
    ("from January to March 2025", "2025-01-01", "2025-03-31"), ("Jan-Mar 2024", "2024-01-01", "2024-03-31"),
    ("2025年1月到3月", "2025-01-01", "2025-03-31"), ("1-3月", "2025-01-01", "2025-03-31"),
    ("上半年", "2025-01-01", "2025-06-30"), ("2024年下半年", "2024-07-01", "2024-12-31"),
    ("H1 2025", "2025-01-01", "2025-06-30"), ("first half of 2024", "2024-01-01", "2024-06-30"),
    ("since June", "2025-06-01", "2025-08-14"), ("2025年3月以来", "2025-03-01", "2025-08-14"),
    ("since 2025-06-01", "2025-06-01", "2025-08-14"),
    ("上上个月", "2025-06-01", "2025-06-30"), ("the month before last", "2025-06-01", "2025-06-30"),
    ("2 months ago", "2025-06-01", "2025-06-30"), ("两个月前", "2025-06-01", "2025-06-30"),
    ("3 days ago", "2025-08-11", "2025-08-11"), ("3天前", "2025-08-11", "2025-08-11"),
    ("past year", "2024-08-15", "2025-08-14"), ("近半年", "2025-02-15", "2025-08-14"),
    ("本年度", "2025-01-01", "2025-08-14"), ("去年度", "2024-01-01", "2024-12-31"),
    ("前三季度", "2025-01-01", "2025-09-30"), ("2024年前三季度", "2024-01-01", "2024-09-30"),
    ("今年前6个月", "2025-01-01", "2025-06-30"), ("the first 3 months of 2024", "2024-01-01", "2024-03-31"),
    ("前3个月", "2025-05-15", "2025-08-14"),  # without a year: the last three months
])
def test_periods(text: str, start: str, end: str) -> None:
    assert period(text, MID) == (start, end)


def test_relative_periods_follow_as_of() -> None:
    assert period("last month") == ("2025-11-01", "2025-11-30")
    assert period("上个月", dt.date(2025, 1, 10)) == ("2024-12-01", "2024-12-31")
    assert period("last quarter", dt.date(2025, 2, 1)) == ("2024-10-01", "2024-12-31")
    assert period("双十一") == ("2025-11-11", "2025-11-11")


def test_dates_inside_longer_questions() -> None:
    found = find_periods(normalize("2025年6月各渠道的销售额和去年比"), AS_OF)
    assert [p.text for p in found] == ["2025年6月", "去年"]
    assert find_periods(normalize("revenue by channel"), AS_OF) == []


@pytest.mark.parametrize("text", ["on 2025-02-30", "2025-13-01", "2025年13月", "last 99999999 days", "前十三个季度"])
def test_an_impossible_period_is_an_error_in_words(text: str) -> None:
    with pytest.raises(PeriodError, match="not a date or period") as caught:
        find_periods(normalize(text), AS_OF)
    assert caught.value.text in normalize(text)


@pytest.mark.parametrize(("text", "grain"), [
    ("by day", "day"), ("daily", "day"), ("每天", "day"), ("每日", "day"), ("按天", "day"),
    ("by week", "week"), ("weekly", "week"), ("每周", "week"), ("按周", "week"),
    ("by month", "month"), ("monthly", "month"), ("per month", "month"), ("每月", "month"),
    ("按月", "month"), ("月度", "month"), ("每个月", "month"),
    ("by quarter", "quarter"), ("quarterly", "quarter"), ("按季度", "quarter"), ("每季度", "quarter"),
    ("by year", "year"), ("yearly", "year"), ("按年", "year"), ("每年", "year"),
])
def test_grains(text: str, grain: str) -> None:
    assert [g.grain for g in find_grains(normalize(text))] == [grain]


def test_which_period_ranks_and_age_band_is_not_a_grain() -> None:
    assert find_grains(normalize("which month had the most orders"))[0].which
    assert find_grains(normalize("哪个月销售额最高"))[0].which
    assert find_grains(normalize("各年龄段的销售额")) == []


@pytest.mark.parametrize(("text", "start", "end"), [
    # a day named by month and day, with or without a year
    ("Dec 12, 2024", "2024-12-12", "2024-12-12"), ("3rd of March 2025", "2025-03-03", "2025-03-03"),
    ("March 3", "2025-03-03", "2025-03-03"), ("12月12日", "2024-12-12", "2024-12-12"),
    ("6月1号", "2025-06-01", "2025-06-01"), ("二月十四日", "2025-02-14", "2025-02-14"),
    # a year named next to a part of a year: that part in that year
    ("今年双十二", "2025-12-12", "2025-12-12"), ("去年618当天", "2024-06-18", "2024-06-18"),
    ("Double 12 this year", "2025-12-12", "2025-12-12"), ("last year's Q2", "2024-04-01", "2024-06-30"),
    ("June last year", "2024-06-01", "2024-06-30"), ("去年8月", "2024-08-01", "2024-08-31"),
    ("2024年的11月", "2024-11-01", "2024-11-30"), ("去年上半年", "2024-01-01", "2024-06-30"),
    ("Q4 this year", "2025-10-01", "2025-12-31"),  # asked for by name, though not begun on 14 August
])
def test_days_and_parts_of_a_named_year(text: str, start: str, end: str) -> None:
    assert period(text, MID) == (start, end)


@pytest.mark.parametrize(("text", "ranges"), [
    ("去年3月1日到3月15日", [("2024-03-01", "2024-03-01"), ("2024-03-15", "2024-03-15")]),
    ("Q2 to Q3 last year", [("2024-04-01", "2024-06-30"), ("2024-07-01", "2024-09-30")]),
    ("Q1 vs Q2 2024", [("2024-01-01", "2024-03-31"), ("2024-04-01", "2024-06-30")]),
    ("2024 and 2025", [("2024-01-01", "2024-12-31"), ("2025-01-01", "2025-12-31")]),
])
def test_both_ends_of_a_span_share_the_year_named_once(text: str, ranges: list[tuple[str, str]]) -> None:
    found = find_periods(normalize(text), MID)
    assert [(p.range.start.isoformat(), p.range.end.isoformat()) for p in found] == ranges


def test_a_date_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(PeriodError):
        find_periods(normalize("Feb 30, 2025"), AS_OF)
    with pytest.raises(PeriodError):
        find_periods(normalize("2月30日"), AS_OF)
