"""Time expressions in English and Chinese, read relative to an "as of" day so answers are reproducible.

`find_periods` returns every period a question names (with its span, so the rest of
the parser ignores those characters); `find_grains` the time grain ("by month",
每月). Conventions, chosen once and kept:
- "this week/month/quarter/year" (本月, 今年…) run from the period's first day to `as_of`;
  "last …" (上个月, 去年…) is the whole previous calendar period; weeks start on Monday.
- "last N days/weeks/months", "the past month" (最近7天, 近3个月, 近半年) is a rolling window ending on
  `as_of`; "N months ago" (两个月前) is that whole calendar period; "since June" (6月以来) runs to `as_of`.
- 前三季度 / 2025年前6个月 / "the first 3 months of 2024" start on January 1 of the year.
- A quarter or month without a year (Q2, 第二季度, June, 6月) is in `as_of`'s year, or the
  year before if it would start after `as_of`.
- 双十一 / Double 11, 618 and 双十二 are the festival day itself (11 Nov, 18 Jun, 12 Dec),
  in the year named or the latest one on or before `as_of`.

>>> [p.range for p in find_periods("上个月各渠道的销售额", dt.date(2025, 3, 15))]
[TimeRange(start=datetime.date(2025, 2, 1), end=datetime.date(2025, 2, 28))]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from errors import QueryError
from semantic.nlq.text import ZH_NUMBER, number
from semantic.periods import add_months
from semantic.query import TimeRange
from viz.i18n import keyed_error


@dataclass(frozen=True)
class Period:
    start: int
    end: int
    range: TimeRange
    text: str


@dataclass(frozen=True)
class Grain:
    start: int
    end: int
    grain: str
    which: bool = False  # "which month…", 哪个月: rank the periods instead of listing them
    count: int | None = None  # "which 2 months", 哪两个月, 最多的三个月: how many of them


MONTHS = {name: i + 1 for i, names in enumerate(
    ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
     "august aug", "september sep sept", "october oct", "november nov", "december dec"))
    for name in names.split()}
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
MONTH = rf"(?P<month>{MONTH_WORDS})"
YEAR = r"(?P<year>20\d\d)"
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4}
UNITS = {"day": "day", "days": "day", "天": "day", "日": "day", "week": "week", "weeks": "week", "周": "week",
         "星期": "week", "个星期": "week", "month": "month", "months": "month", "个月": "month", "月": "month",
         "quarter": "quarter", "quarters": "quarter", "个季度": "quarter", "季度": "quarter", "year": "year",
         "years": "year", "年": "year"}
FESTIVALS = {"11": (11, 11), "十一": (11, 11), "eleven": (11, 11), "12": (12, 12), "十二": (12, 12),
             "twelve": (12, 12), "618": (6, 18), "六一八": (6, 18), "6.18": (6, 18), "11.11": (11, 11),
             "12.12": (12, 12), "singles day": (11, 11), "singles' day": (11, 11)}
ISO = r"20\d\d[-/.]\d{1,2}[-/.]\d{1,2}"
ZH_DAY = r"20\d\d年\d{1,2}月\d{1,2}[日号]?"
ZH_MONTH = "1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
NO_YEAR_BEFORE = "(?<![0-9])(?<![0-9]年)"  # 2025年6月 is read whole; 去年6月 and 6月 are not
ZH_DAY_NUMBER = "[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
Handler = Callable[[re.Match[str], dt.date], TimeRange]


def month_range(year: int, month: int) -> TimeRange:
    start = dt.date(year, month, 1)
    return TimeRange(start, add_months(start, 1) - dt.timedelta(days=1))


def quarter_range(year: int, quarter: int) -> TimeRange:
    start = dt.date(year, quarter * 3 - 2, 1)
    return TimeRange(start, add_months(start, 3) - dt.timedelta(days=1))


def year_range(year: int) -> TimeRange:
    return TimeRange(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _unit_start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _current(unit: str, as_of: dt.date) -> TimeRange:
    return TimeRange(as_of if unit == "day" else _unit_start(as_of, unit), as_of)


def _previous(unit: str, as_of: dt.date, steps: int = 1) -> TimeRange:
    """The whole calendar period `steps` before the one holding `as_of`."""
    if unit == "day":
        day = as_of - dt.timedelta(days=steps)
        return TimeRange(day, day)
    if unit == "week":
        start = _unit_start(as_of, "week") - dt.timedelta(weeks=steps)
        return TimeRange(start, start + dt.timedelta(days=6))
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    start = add_months(_unit_start(as_of, unit), -months * steps)
    return TimeRange(start, add_months(start, months) - dt.timedelta(days=1))


def _rolling(count: int, unit: str, as_of: dt.date) -> TimeRange:
    if unit in ("day", "week"):
        return TimeRange(as_of - dt.timedelta(days=count * (7 if unit == "week" else 1) - 1), as_of)
    months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
    return TimeRange(add_months(as_of, -months) + dt.timedelta(days=1), as_of)


def _in_year(make: Callable[[int], TimeRange], year: str | None, as_of: dt.date) -> TimeRange:
    """A month or quarter in the year named, else in `as_of`'s year unless that is still ahead."""
    if year:
        return make(int(year))
    found = make(as_of.year)
    return found if found.start <= as_of else make(as_of.year - 1)


def _date(text: str) -> dt.date:
    parts = [int(p) for p in re.findall(r"\d+", text)]
    try:
        return dt.date(parts[0], parts[1], parts[2])
    except (ValueError, IndexError) as err:
        raise keyed_error(QueryError, "errors.dates.invalid_date", text=text) from err


def _between(m: re.Match[str], as_of: dt.date) -> TimeRange:
    return TimeRange(_date(m.group("a")), _date(m.group("b")))


def _festival(m: re.Match[str], as_of: dt.date) -> TimeRange:
    month, day = FESTIVALS[m.group("fest")]
    year = m.group("year") or m.groupdict().get("y2")
    found = dt.date(int(year) if year else as_of.year, month, day)
    if not year and found > as_of:
        found = found.replace(year=found.year - 1)
    return TimeRange(found, found)


def _day(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """"Nov 11, 2025", "11th of November", 11月11日: one day, in the year named or the latest one so far."""
    word = m.group("month")
    month, day = MONTHS.get(word) or number(word) or 0, number(m.group("day")) or 0
    return _in_year(lambda y: TimeRange(dt.date(y, month, day), dt.date(y, month, day)), m.group("year"), as_of)


def _quarter(m: re.Match[str], as_of: dt.date) -> TimeRange:
    q = m.group("q")
    quarter = ORDINALS.get(q) or number(q) or 0
    if not 1 <= quarter <= 4:
        raise keyed_error(QueryError, "errors.dates.no_quarter", q=q)
    return _in_year(lambda y: quarter_range(y, quarter), m.group("year") or m.groupdict().get("y2"), as_of)


def _month(m: re.Match[str], as_of: dt.date) -> TimeRange:
    word = m.group("month")
    month = MONTHS.get(word) or number(word) or 0
    if not 1 <= month <= 12:
        raise keyed_error(QueryError, "errors.dates.no_month", month=word)
    return _in_year(lambda y: month_range(y, month), m.group("year"), as_of)


def _relative(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """"last 30 days" and "the past month" roll back from `as_of`; "last month" is the previous calendar month."""
    groups = m.groupdict()
    unit = UNITS[groups["unit"]]
    if groups.get("n") or groups.get("which") == "past":
        return _rolling(number(groups.get("n") or "1") or 1, unit, as_of)
    if groups.get("which") in ("last", "previous", "prior"):
        return _previous(unit, as_of)
    return _current(unit, as_of)


def _ago(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """"2 months ago", 3天前: the whole calendar period that many periods back."""
    unit = UNITS[m.group("unit") or m.group("unit2")]
    return _previous(unit, as_of, number(m.group("n") or m.group("n2")) or 1)


def _to_date(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """Year, quarter or month to date: ytd, 今年以来, 年初至今, 本月至今."""
    word = next(w for w in (m.groupdict().get(k) for k in ("u", "u2", "u3")) if w)
    unit = "quarter" if "季" in word or word[0] == "q" else "month" if "月" in word or word[0] == "m" else "year"
    return _current(unit, as_of)


def _month_span(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """From one month to another: "January to March 2025", 2025年1月到3月, 1-3月."""
    first, last = (MONTHS.get(w) or number(w) or 0 for w in (m.group("month"), m.group("month2")))
    if not (1 <= first <= last <= 12):
        raise keyed_error(QueryError, "errors.dates.month_span", text=m.group().strip())
    return _in_year(lambda y: TimeRange(month_range(y, first).start, month_range(y, last).end), m.group("year"), as_of)


def _half(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """上半年 / H1 / first half: January to June; 下半年 / H2 / second half: July to December."""
    word = m.group("half") or m.group("half2")
    first = 1 if word in ("上半年", "h1", "first") else 7
    year = m.group("year") or m.group("y2") or m.group("y3")
    return _in_year(lambda y: TimeRange(dt.date(y, first, 1), month_range(y, first + 5).end), year, as_of)


def _first_of_year(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """前三季度 / 2025年前6个月 / "the first 3 quarters of 2024": from January 1 of that year."""
    rel = m.group("rel") or ""
    year = int(m.group("year")) if m.group("year") else as_of.year - (rel in ("去年", "last year"))
    months = (number(m.group("n")) or 1) * (3 if "季" in m.group("unit") or "quarter" in m.group("unit") else 1)
    if not 1 <= months <= 12:
        raise keyed_error(QueryError, "errors.dates.over_a_year", text=m.group().strip())
    return TimeRange(dt.date(year, 1, 1), month_range(year, months).end)


def _relative_zh(m: re.Match[str], as_of: dt.date) -> TimeRange:
    """本月 / 上个月 / 这周 / 上季度 / 今年 / 去年 / 前年."""
    which, unit = m.group("which"), m.group("unit")
    unit_name = "quarter" if unit.startswith("季") else UNITS[unit]
    if which in ("前", "上上", "上上个"):
        return _previous(unit_name, as_of, 2)
    return _previous(unit_name, as_of) if which.startswith(("上", "去")) else _current(unit_name, as_of)


NUM_WORDS = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty"
NUM = rf"(?P<n>{NUM_WORDS})"
PATTERNS: tuple[tuple[str, Handler], ...] = (
    (rf"(?:{YEAR}\s*年|(?P<rel>今年|去年|本年))?\s*前\s*(?P<n>{ZH_NUMBER})\s*(?P<unit>个季度|季度)", _first_of_year),
    (rf"(?:{YEAR}\s*年|(?P<rel>今年|去年|本年))\s*前\s*(?P<n>{ZH_NUMBER})\s*(?P<unit>个月)", _first_of_year),
    (rf"(?:the\s+)?first\s+(?P<n>{NUM_WORDS})\s+(?P<unit>quarters|months)"
     rf"(?:\s+of\s+(?:{YEAR}|(?P<rel>this year|last year)))?", _first_of_year),
    (rf"(?:between|from)?\s*(?P<a>{ISO}|{ZH_DAY})\s*(?:and|to|until|through|thru|-|~|到|至|和)\s*"
     rf"(?P<b>{ISO}|{ZH_DAY})", _between),
    (rf"(?:on\s+)?(?P<a>{ISO}|{ZH_DAY})", lambda m, _: TimeRange(_date(m.group("a")), _date(m.group("a")))),
    (rf"(?:{YEAR}\s*年?\s*)?(?:double\s*|双\s*)(?P<fest>11|十一|eleven|12|十二|twelve)"
     r"(?:\s*(?P<y2>20\d\d))?(?:\s*(?:当天|当日))?", _festival),
    (rf"(?:{YEAR}\s*年?\s*)?(?P<fest>618|六一八|6\.18|11\.11|12\.12|singles'? day)(?:\s*(?P<y2>20\d\d))?"
     r"(?:\s*(?:当天|当日))?", _festival),
    (rf"\b{MONTH}\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:\s*,?\s*{YEAR})?(?![0-9])", _day),
    (rf"(?<![0-9.])(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\b(?:\s*,?\s*{YEAR})?(?![0-9])", _day),
    (rf"{NO_YEAR_BEFORE}(?P<month>{ZH_MONTH})\s*月\s*(?P<day>[0-3]?\d|{ZH_DAY_NUMBER})"
     r"\s*[日号](?P<year>)", _day),
    (rf"(?:from\s+)?{MONTH}\s*(?:to|until|through|thru|-|~)\s*(?P<month2>{MONTH_WORDS})(?:\s*,?\s*{YEAR})?",
     _month_span),
    (rf"(?:{YEAR}\s*年\s*)?(?:从\s*)?(?P<month>{ZH_NUMBER})\s*月?\s*(?:到|至|-|~)\s*(?P<month2>{ZH_NUMBER})\s*月份?",
     _month_span),
    (rf"(?:{YEAR}\s*年?\s*)?(?P<half>上半年|下半年|h1|h2)(?:\s*(?P<y2>20\d\d))?|(?:the\s+)?(?P<half2>first|second)"
     rf"\s+half(?:\s+of)?(?:\s+(?P<y3>20\d\d))?", _half),
    (rf"(?:{YEAR}\s*年?\s*)?(?:第)?(?P<q>[一二三四1-4])\s*季度", _quarter),
    (rf"(?:{YEAR}\s*年?\s*)?(?<![a-z])q(?P<q>[1-4])(?![0-9])(?:\s*(?:of\s+)?(?P<y2>20\d\d))?", _quarter),
    (rf"(?:the\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+(?:of\s+)?{YEAR})?",
     _quarter),
    (rf"{YEAR}\s*年\s*(?P<month>{ZH_NUMBER})\s*月份?", _month),
    (rf"{NO_YEAR_BEFORE}(?P<month>{ZH_MONTH})\s*月份?(?![0-9])(?P<year>)", _month),
    (rf"{MONTH}\.?\s*(?:of\s+)?{YEAR}", _month),
    (rf"{YEAR}[-/](?P<month>0?[1-9]|1[0-2])(?![0-9])", _month),
    (r"(?:in|for|during|since)\s+(?P<month>january|february|april|may|june|july|august|september|october|"
     r"november|december|march|jan|feb|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b(?P<year>)", _month),
    (r"\b(?P<month>january|february|april|june|july|august|september|october|november|december)\b(?P<year>)",
     _month),
    (r"(?P<u>year|month|quarter)[\s-]*to[\s-]*date|\b(?P<u2>ytd|mtd|qtd)\b|so far this (?P<u3>year|month)",
     _to_date),
    (r"(?P<u>今年|本年|年|本月|月|本季度?|季度?)(?:初)?(?:以来|至今|到现在|到今天|累计|截[至止](?:目前|今天|今日|现在)|迄今)",
     _to_date),
    (rf"(?:the\s+)?(?:last|past|previous|recent|trailing)\s+{NUM}\s+(?P<unit>days|weeks|months|quarters|years)",
     _relative),
    (rf"(?:最近的?|近|过去的?|前)\s*(?P<n>{ZH_NUMBER})\s*(?P<unit>天|日|个星期|周|星期|个月|个季度|年)", _relative),
    (r"(?P<which>this|current|last|previous|past|prior)\s+(?P<unit>week|month|quarter|year)\b", _relative),
    (r"(?P<which>本|这个?|上上个?|上一?个?|当|今|去|前)(?P<unit>周|星期|个月|月|季度|季|年)度?", _relative_zh),
    (rf"\b(?P<n>{NUM_WORDS})\s+(?P<unit>days?|weeks?|months?|quarters?|years?)\s+ago\b|"
     rf"(?P<n2>{ZH_NUMBER})\s*(?P<unit2>天|周|个星期|个月|个季度|年)(?:以)?前", _ago),
    (r"(?:最近|近|过去)\s*半年", lambda m, a: _rolling(6, "month", a)),
    (r"the\s+month\s+before\s+last", lambda m, a: _previous("month", a, 2)),
    (r"\btoday\b|今天|今日", lambda m, a: TimeRange(a, a)),
    (r"the\s+day\s+before\s+yesterday|前天", lambda m, a: _previous("day", a, 2)),
    (r"\byesterday\b|昨天|昨日", lambda m, a: _previous("day", a)),
    (r"the year before last|前年", lambda m, a: _previous("year", a, 2)),
    (rf"(?:(?:in|for|during)\s+)?{YEAR}(?:\s*年(?:度|全年)?)?(?![0-9\-/])",
     lambda m, a: year_range(int(m.group("year")))),
)
COMPILED = tuple((re.compile(p), h) for p, h in PATTERNS)


def find_periods(text: str, as_of: dt.date) -> list[Period]:
    """Every period named in normalised `text`, left to right, spans not overlapping."""
    taken: list[tuple[int, int]] = []
    found: list[Period] = []
    for pattern, handler in COMPILED:
        for m in pattern.finditer(text):
            if not m.group().strip() or any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(_since(text, Period(m.start(), m.end(), _period(handler, m, as_of), m.group().strip()),
                                as_of))
    return _anchored(text, sorted(found, key=lambda p: p.start))


YEAR_WORD = re.compile(r"(?:(?:in|for|during)\s+)?(?:20\d\d\s*年?度?|今年|本年|去年|前年|(?:this|last|previous)\s+year|"
                       r"the\s+year\s+before\s+last)")
YEAR_GAP = re.compile(r"\s*(?:的|of|in|'s|,)?\s*")
PAIR_GAP = re.compile(r"\s*(?:to|until|through|thru|and|vs\.?|versus|-|~|到|至|和|与|对比)\s*")  # one year for both


def _anchored(text: str, found: list[Period]) -> list[Period]:
    """A year next to a part of a year is that part in that year (今年618, 去年6月, "Q3 last year"); the other end
    of a span that names no year is in the same year (去年6月1日到6月18日, "Q1 to Q3 last year")."""
    out: list[Period] = []
    for period in found:
        last = out[-1] if out else None
        joined = last and YEAR_GAP.fullmatch(text[last.end:period.start]) and (
            _in_year_of(last.text, last.range, period) or _in_year_of(period.text, period.range, last))
        if joined:
            out[-1] = Period(last.start, period.end, joined, text[last.start:period.end].strip())
        else:
            out.append(period)
    for i in range(len(out) - 1):
        pair = out[i:i + 2]
        dated = [p for p in pair if re.search(r"20\d\d|年|year", p.text)]
        if len(dated) == 1 and PAIR_GAP.fullmatch(text[pair[0].end:pair[1].start]):
            other = pair[1] if dated[0] is pair[0] else pair[0]
            shifted = _in_year_of("", dated[0].range, other) or other.range
            out[out.index(other)] = Period(other.start, other.end, shifted, other.text)
    return out


def _in_year_of(year_text: str, whole: TimeRange, part: Period) -> TimeRange | None:
    """`part` (a month, quarter, day… of one year, its year not written) moved into the year of `whole`, when
    `year_text` names a year (or is empty: the year of a span's start)."""
    inner = part.range
    if (year_text and not YEAR_WORD.fullmatch(year_text)) or YEAR_WORD.fullmatch(part.text) \
            or re.search(r"20\d\d", part.text) or inner.start.year != inner.end.year \
            or whole.start.year != whole.end.year:
        return None
    try:
        return TimeRange(inner.start.replace(year=whole.start.year), inner.end.replace(year=whole.start.year))
    except ValueError as err:  # 29 February in a year without it
        raise PeriodError(f"{year_text} {part.text}".strip()) from err


class PeriodError(QueryError):
    """A time expression that names no real period (2025-02-30, Q5, "last 99999999 days")."""

    def __init__(self, text: str) -> None:
        super().__init__(f"'{text}' is not a date or period in the calendar.")
        self.text = text
        self.with_text("errors.dates.not_in_calendar", text=text)


def _period(handler: Handler, m: re.Match[str], as_of: dt.date) -> TimeRange:
    try:
        return handler(m, as_of)
    except (OverflowError, ValueError) as err:  # QueryError is a ValueError too
        raise PeriodError(m.group().strip()) from err


SINCE_BEFORE = re.compile(r"(?:\bsince|自|自从)\s*$")
SINCE_AFTER = re.compile(r"^\s*(?:以来|至今|到现在|到今天|until\s+now|to\s+date)")


def _since(text: str, period: Period, as_of: dt.date) -> Period:
    """"since June", 2025年6月以来: from the period's start up to `as_of`."""
    after = SINCE_AFTER.match(text[period.end:])
    since = SINCE_BEFORE.search(text[:period.start]) or period.text.startswith("since")
    if not (since or after) or period.range.start > as_of:
        return period
    end = period.end + (after.end() if after else 0)
    return Period(period.start, end, TimeRange(period.range.start, as_of), text[period.start:end].strip())


GRAIN_WORDS: tuple[tuple[str, str], ...] = (
    (r"\b(?:by|per|each|every|for each|across)\s+(?:the\s+)?(?:calendar\s+)?(?P<g>day|date|week|month|"
     r"quarter|year)s?\b", ""),
    (r"\b(?P<g>day|week|month|quarter|year)[\s-]+by[\s-]+(?:day|week|month|quarter|year)\b", ""),
    (r"\b(?P<g>daily|weekly|monthly|quarterly|yearly|annually|annual)\b", ""),
    (r"(?:每|按|逐|分|各)(?:一|个)?(?P<g>天|日|周|星期|月|个月|季度|季|年)(?![龄级轻])(?:份|度)?|"
     r"(?P<g2>日|周|月|季|年)度", ""),
    (r"\bby\b[^?.;]*?\b(?:and|&)\s+(?:by\s+)?(?P<g>day|date|week|month|quarter|year)s?\b", "and"),
    (rf"\b(?:which|what)\s+(?:(?P<n>{NUM_WORDS})\s+)?(?P<g>day|date|week|month|quarter|year)s?\b", "which"),
    (rf"哪\s*(?P<n>{ZH_NUMBER})?(?:个)?(?P<g>天|日|周|星期|月|季度|年)", "which"),
    # 订单最多的一天 / 三个月: after a superlative, which the ranking reader has already blanked to spaces
    (rf"(?<=\s的)\s*(?P<n>{ZH_NUMBER})(?:个)?(?P<g>天|日|周|星期|月|季度|年)(?![龄级内])(?:份|度)?", "which"),
)
GRAIN_NAMES = {"day": "day", "date": "day", "daily": "day", "天": "day", "日": "day", "week": "week",
               "weekly": "week", "周": "week", "星期": "week", "month": "month", "monthly": "month", "月": "month",
               "个月": "month", "quarter": "quarter", "quarterly": "quarter", "季度": "quarter", "季": "quarter",
               "year": "year", "yearly": "year", "annually": "year", "annual": "year", "年": "year"}
GRAIN_COMPILED = tuple((re.compile(p), flag) for p, flag in GRAIN_WORDS)
TREND = re.compile(r"\b(?:trend|trends|over time|trending|time series)\b|趋势|走势|变化情况")


def find_grains(text: str) -> list[Grain]:
    """Time grains named in normalised `text` ("by month", 每月, "which month")."""
    found = []
    for pattern, flag in GRAIN_COMPILED:
        for m in pattern.finditer(text):
            word = m.group("g") or m.groupdict().get("g2")
            start, end = m.span("g") if flag == "and" else m.span()  # "by channel and month": only "month"
            count = m.groupdict().get("n")
            found.append(Grain(start, end, GRAIN_NAMES[word], which=flag == "which",
                               count=number(count) if count else None))
    return sorted(found, key=lambda g: g.start)


def wants_trend(text: str) -> re.Match[str] | None:
    """"trend", "over time", 趋势: a series over time is wanted even without a grain word."""
    return TREND.search(text)
