"""What a reading cannot honestly answer, said as the question to ask back.

Each check returns the clarification text or None: a breakdown or name the model
does not know ("by weather", "in Paris", 巴黎), what a query cannot express yet
(conditions on a metric's value, averages per customer), and a filter a metric's own
definition rules out ("refunded orders" when orders count completed ones).
"""

from __future__ import annotations

import datetime as dt
import re

from semantic.model import SemanticModel
from semantic.nlq.draft import Draft, listed
from semantic.nlq.grammar import AVERAGE, FOLLOW_UP, METRIC_CONDITION, NEGATION, PER_ENTITY
from semantic.nlq.lexicon import STOPWORDS, ZH_STOP
from semantic.nlq.reading import ZH_FILLER, Reading
from semantic.query import parse_where
from viz.i18n import t

# Time words the calendar reader does not know yet: asked about, never dropped ("late November" is not all of it).
UNREAD_TIME = re.compile(
    r"\b(?:weekends?|weekdays?|christmas|easter|thanksgiving|valentine'?s?|black\s+friday|cyber\s+monday|golden\s+week|"
    r"new\s+year'?s?|(?:beginning|start|end|middle)\s+of|(?:first|second|third|fourth|last)\s+(?:week|day)s?\s+of|"
    r"week\s+of)\b|\b(?:early|mid|late)[\s-]|\d{1,2}/\d{1,2}/|周末|工作日|月[底初中末]|年[底中末]|季[初末]|[上中下]旬|"
    r"国庆|春节|元旦|中秋|清明|端午|五一|劳动节|圣诞|情人节|七夕|黑五|黄金周|年货节|女神节|"
    r"(?:\d+|[一二两三四五六七八九十]+)\s*(?:天|日|周|个?星期|个月|个季度)|\b\d+\s+(?:days?|weeks?|months?|quarters?)\b")
WEEKDAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b|"
                     r"(?:周|星期|礼拜)[一二三四五六日天](?!共|下|起|样)")


def unread_time(reading: Reading, lang: str) -> str | None:
    """A time expression the reader did not apply: ask which period is meant rather than answer another one
    (上周五 is not all of last week; a weekday is looked for in the whole question, as 上周 takes its 周)."""
    found = UNREAD_TIME.search(reading.rest) or WEEKDAY.search(reading.text)
    return t("nlq.unread_time", lang, word=found.group().strip()) if found else None


# A forecast, or a period after the reference date: the data cannot answer it, and an answer about the past would
# pass for one about the future ("revenue next month" read as all revenue).
FUTURE = re.compile(r"\b(?:forecast(?:s|ed|ing)?|predict(?:s|ed|ion|ions)?|projections?|next\s+(?:week|month|quarter|"
                    r"year|season|\d+\s+\w+)|coming\s+(?:week|month|quarter|year)|upcoming|"
                    r"will\s+(?:we|it|they|be|sell|make|earn|reach|grow))\b|"
                    r"预测|预计|预估|预期|将会|下个?月|下周|下个?星期|下个?季度|明年|后年|明天|未来")


def future(draft: Draft, reading: Reading, as_of: dt.date, lang: str) -> str | None:
    """A forecast or a period that has not happened yet (as of the reference date): said, never answered with the
    past ("Forecast next quarter's revenue", 预测下个月的销售额, "revenue in Q1 2027" asked on 2025-12-31)."""
    found = FUTURE.search(reading.text)
    if found:
        return t("nlq.no_forecast", lang, word=found.group().strip(), as_of=as_of.isoformat())
    if draft.time_range and draft.time_range.start > as_of:
        return t("nlq.not_yet", lang, start=draft.time_range.start.isoformat(), as_of=as_of.isoformat())
    return None


def unknown_words(reading: Reading, model: SemanticModel, lang: str) -> str | None:
    """A breakdown or place the model does not know ("by weather", "in Paris"): ask instead of ignoring it."""
    if reading.unknown_names:
        return t("nlq.unknown_value", lang, word=reading.unknown_names[0])
    for m in re.finditer(r"\b(?:by|per)\s+([a-z][a-z'\-]+)", reading.text):
        index = next((i for i, tok in enumerate(reading.tokens) if tok.start == m.start(1)), None)
        if index is not None and index not in reading.used and m.group(1) not in STOPWORDS:
            names = listed([d.label(lang) for d in list(model.dimensions.values())[:10]], lang)
            return t("nlq.unknown_dimension", lang, word=m.group(1), dimensions=names)
    return None


# "the second highest", 排名第二: one place of a ranking; "top 3 and bottom 3": two rankings. Neither is a query yet.
NTH_PLACE = re.compile(r"\b(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th)\b|第\s*[二三四五六七八九十\d]+")
SECOND_RANKING = re.compile(r"\b(?:top|bottom|highest|lowest|most|least|fewest|best|worst|largest|smallest)\b|"
                            r"前\s*[一二两三四五六七八九十\d]+|后\s*[一二两三四五六七八九十\d]+|倒数|最高|最低|最多|最少|最好|最差")


# "5个城市的销售额", "revenue of 3 channels": a count with nothing saying which ones.
COUNTED = re.compile(r"(?<![哪这那每各第前后\d])(?:\d+|[两三四五六七八九十]+)\s*(?:个|家|座|款|种)"
                     r"(?!\s*(?:月|季度|星期))|"
                     r"(?<![\w.\-/])(?:[2-9]|[1-9]\d|two|three|four|five|six|seven|eight|nine|ten)(?![\w.\-/%])")


def unsupported(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> str | None:
    """What a query cannot say yet: conditions on a metric's value, averages per customer or per day."""
    metric = model.metrics[draft.metrics[0]].label(lang) if draft.metrics else ""
    condition = METRIC_CONDITION.search(reading.rest)
    if condition and draft.metrics:
        return t("nlq.no_metric_filter", lang, text=condition.group().strip(), metric=metric)
    if reading.ranking and (nth := NTH_PLACE.search(reading.rest) or SECOND_RANKING.search(reading.rest)):
        return t("nlq.one_ranking", lang, word=nth.group().strip(), metric=metric)
    listed_values = any(f.op in ("in", "not in") for f in draft.filters)  # "2 cities: Shanghai and Beijing"
    if not reading.ranking and draft.metrics and not listed_values and (count := COUNTED.search(reading.rest)):
        return t("nlq.count_without_order", lang, word=count.group().strip(), metric=metric)
    plain = [m for m in draft.metrics if not model.metrics[m].expr]
    if PER_ENTITY.search(reading.text) or (AVERAGE.search(reading.rest) and plain):
        ratios = [m.label(lang) for m in model.metrics.values() if m.expr][:5]
        return t("nlq.no_average", lang, metrics=listed(ratios, lang))
    return None


def conflict(draft: Draft, model: SemanticModel, lang: str) -> str | None:
    """A filter a metric's own definition rules out (orders count completed orders; 'refunded orders' is 0)."""
    for metric in draft.metrics:
        for measure in model.measures_of(metric):
            fixed = {f.field: f.value for f in parse_where(measure.filter) if f.op == "="} if measure.filter else {}
            for flt in draft.filters:
                wanted = flt.value if isinstance(flt.value, tuple) else (flt.value,)
                if flt.field in fixed and flt.op in ("=", "in") and fixed[flt.field] not in wanted:
                    return t("nlq.conflict", lang, metric=model.metrics[metric].label(lang),
                             condition=model.definition(metric), filter=f"{flt.field} = {', '.join(map(str, wanted))}")
    return None


# Words that only steer a refinement ("split it by week", 再按渠道拆分): never a sign of another subject.
STEER_EN = frozenset({"and", "about", "how", "also", "but", "now", "then", "ok", "okay", "instead", "see", "look",
                      "make", "change", "switch", "use", "try", "view", "again", "like", "yes", "thanks", "well",
                      "here", "show", "way", "one", "ones", "let", "let's", "lets", "want", "need", "ago",
                      "earlier", "before"})
STEER_ZH = re.compile("拆分|细分|分组|展开|排序|展示|变成|分解|改成|换成|拆开|区分|维度|口径|按照|看看|再看|看一下|"
                      "怎么|一样|同样|那个|这个")


def off_topic(reading: Reading) -> str | None:
    """A word that nothing in the model, the calendar or the grammar explains, in a question without a metric
    asked after an answer: 天气 in 今天天气怎么样 is another subject, not a refinement of the last answer."""
    rest = reading.rest
    for words in (FOLLOW_UP, NEGATION, ZH_FILLER, STEER_ZH):
        rest = words.sub(" ", rest)
    for run in re.findall(r"[\u3400-\u9fff]{2,}", rest):
        if any(char not in ZH_STOP for char in run):
            return run
    after_value = {m.end for m in reading.matches if any(term.kind == "value" for term in m.terms)}
    for index, token in enumerate(reading.tokens):
        word = token.raw or token.text
        explained = index in reading.used or index in after_value
        if not explained and word.isalpha() and word.isascii() and len(word) >= 3 \
                and token.text not in STOPWORDS and word not in STOPWORDS and word not in STEER_EN:
            return word
    return None
