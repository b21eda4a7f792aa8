"""A read question turned into the parts of a SemanticQuery, with the readings taken said as notes.

Rules, in the order a reader would apply them:
- a phrase naming several metrics equally takes the first in model order and offers the others;
- a value names a filter ("on Tmall" → channel = Tmall; after "excluding"/不含 → channel != JD); a value of
  several dimensions goes to the one the question also names, else the first in model order;
- a dimension names a breakdown, unless it only qualifies a value ("East region", 华东地区);
- "top"/前 without a number means 5, superlatives (highest, 最高) and "which …" mean 1;
- a comparison needs a period: without one, year to date (year over year) or the latest whole month.
"""

from __future__ import annotations

import datetime as dt
import re

from semantic.model import SemanticModel
from semantic.nlq.checks import conflict, future, unknown_words, unread_time, unsupported
from semantic.nlq.draft import Draft, listed, usable
from semantic.nlq.grammar import CONNECTOR, GROUP_CUE, NEGATION, WHICH, ends_with
from semantic.nlq.lexicon import STOPWORDS, ZH_STOP, Match, Term
from semantic.nlq.reading import Reading
from semantic.nlq.text import singular
from semantic.nlq.when import compare_window, read_time
from semantic.query import Filter, OrderBy
from viz.i18n import t

DEFAULT_TOP = 5
ENTITY_WORDS = frozenset({"customer", "客户", "顾客", "member", "user", "用户", "buyer", "shopper", "买家", "消费者",
                          "people", "人"})
HEAD_GAP = re.compile(r"^[\s类型]*$")
SIDE_BY_SIDE = re.compile(r"\b(?:vs\.?|versus|compare[ds]?|comparing|which|each|respectively)\b|"
                          r"对比|比较|相比|哪个|哪一个|分别|各自")


def draft_query(reading: Reading, model: SemanticModel, as_of: dt.date, lang: str) -> Draft:
    """Everything the question itself says; `finish` completes it (after any follow-up merge)."""
    draft = Draft()
    _metrics(draft, reading, model, lang)
    _filters_and_dimensions(draft, reading, model, lang)
    read_time(draft, reading, as_of, lang)
    draft.found_anything = bool(draft.metrics or draft.dimensions or draft.filters or draft.time_range
                                or draft.time_grain or draft.compare or reading.ranking)
    return draft


def finish(draft: Draft, reading: Reading, model: SemanticModel, as_of: dt.date, lang: str) -> Draft:
    """Ranking (which needs the metric, perhaps from the previous question), then the checks that ask."""
    compare_window(draft, as_of, lang)
    _counts_that_fit(draft, model, lang)
    _ranking(draft, reading, model, lang)
    draft.clarification = (draft.clarification or future(draft, reading, as_of, lang) or unread_time(reading, lang)
                           or unknown_words(reading, model, lang) or unsupported(draft, reading, model, lang)
                           or conflict(draft, model, lang))  # the first that asks; the rest are not run
    return draft


def _kind(match: Match) -> str:
    """The reading a phrase takes when it could be several things: metric, then dimension, then value."""
    kinds = {term.kind for term in match.terms}
    return next(k for k in ("metric", "dimension", "value") if k in kinds)


def _best(match: Match, kind: str) -> list[Term]:
    terms = [term for term in match.terms if term.kind == kind]
    top = min(term.rank for term in terms)
    return [term for term in terms if term.rank == top]


def _metrics(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> None:
    order = list(model.metrics)
    for match in _metric_matches(reading):
        names = sorted({term.name for term in _best(match, "metric")}, key=order.index)
        if names[0] not in draft.metrics:
            draft.metrics.append(names[0])
        label = model.metrics[names[0]].label(lang)
        if len(names) > 1:
            draft.options[names[0]] = names[1:]
            others = listed([model.metrics[n].label(lang) for n in names[1:]], lang)
            draft.notes.append(t("nlq.note_ambiguous", lang, word=reading.word(match), label=label, others=others))
        elif match.how != "exact":
            draft.notes.append(t("nlq.note_fuzzy", lang, word=reading.word(match), label=label))
    _ratios(draft, reading, model, lang)


def _ratios(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> None:
    """"revenue per order" → AOV, "clicks per impression" → CTR: a ratio the model already defines."""
    for m in re.finditer(r"\bper\b|/|每|除以", reading.text):
        left = [x for x in reading.matches if reading.tokens[x.end - 1].end <= m.start() and _kind(x) == "metric"]
        right = [x for x in reading.matches if reading.tokens[x.start].start >= m.end() and _kind(x) == "metric"]
        if not (left and right) or _gap(reading, left[-1], right[0]).strip() != m.group():
            continue
        pair = (_best(left[-1], "metric")[0].name, _best(right[0], "metric")[0].name)
        ratio = next((n for n, metric in model.metrics.items() if metric.expr
                      and re.fullmatch(rf"\s*{pair[0]}\s*/\s*{pair[1]}\s*", metric.expr)), None)
        if ratio:
            draft.metrics = [ratio if n == pair[0] else n for n in draft.metrics if n != pair[1]]
            draft.notes.append(t("nlq.note_fuzzy", lang, word=reading.text[reading.tokens[left[-1].start].start:
                                 reading.tokens[right[0].end - 1].end], label=model.metrics[ratio].label(lang)))


def _metric_matches(reading: Reading) -> list[Match]:
    """Metric phrases, without a word that only says whose figures another metric is: a bare "customers"/客户
    ("revenue from customers aged over 30", 女性客户的客单价) or the noun after a value ("revenue excluding
    cancelled orders"), unless it is listed with the other metric ("revenue and customers")."""
    found = [m for m in reading.matches if _kind(m) == "metric"]
    if len(found) < 2:
        return found
    kept = []
    for i, match in enumerate(found):
        neighbours = [found[j] for j in (i - 1, i + 1) if 0 <= j < len(found)]
        listed = any(CONNECTOR.match(_between(reading, match, other)) for other in neighbours)
        if listed or not (singular(match.text) in ENTITY_WORDS or _after_value(reading, match)):
            kept.append(match)
    return kept or found


def _after_value(reading: Reading, match: Match) -> bool:
    index = reading.matches.index(match)
    before = reading.matches[index - 1] if index else None
    return before is not None and _kind(before) == "value" and bool(HEAD_GAP.match(_gap(reading, before, match)))


def _between(reading: Reading, a: Match, b: Match) -> str:
    """The text between two matches; "?" when they touch, so "listed with" needs a connector."""
    gap = _gap(reading, a, b)
    return gap if gap.strip() else "?"


def _gap(reading: Reading, a: Match, b: Match) -> str:
    first, second = (a, b) if a.start < b.start else (b, a)
    return reading.text[reading.tokens[first.end - 1].end:reading.tokens[second.start].start]


def _filters_and_dimensions(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> None:
    draft.filters = _value_filters(draft, reading, model, lang) + list(reading.numeric)
    filtered = {f.field for f in draft.filters}
    previous: Match | None = None
    for match in reading.matches:
        head = previous is not None and HEAD_GAP.match(_gap(reading, previous, match))
        previous = match if _kind(match) == "value" else None
        if _kind(match) != "dimension":
            continue
        name = _best(match, "dimension")[0].name
        before = reading.before(match)
        cue = ends_with(GROUP_CUE, before) or ends_with(WHICH, before)
        if ((name in filtered or head) and not cue) or name in draft.dimensions:
            continue  # "East region", 金卡会员, "Festival campaigns": the noun a value qualifies
        related = _kind_of(model, match, before) or _related_dimension(draft, model, name)
        draft.dimensions.append(related)
        if ends_with(WHICH, before):
            draft.which = "many" if _plural(reading, match) else "one"
        if match.how != "exact" or related != name:
            draft.notes.append(t("nlq.note_fuzzy", lang, word=reading.word(match),
                                 label=model.dimensions[related].label(lang)))
    for flt in draft.filters:  # "Tmall vs JD", 深圳和广州哪个高: one row for each value named
        if flt.op == "in" and flt.field not in draft.dimensions and SIDE_BY_SIDE.search(reading.text):
            draft.dimensions.append(flt.field)


def _value_filters(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> list[Filter]:
    named = {term.name for m in reading.matches if _kind(m) == "dimension" for term in m.terms
             if term.kind == "dimension"}
    chosen: list[tuple[str, str, bool]] = []  # dimension, value, negated
    previous: tuple[Match, bool] | None = None
    for match in reading.matches:
        if _kind(match) != "value":
            previous = None
            continue
        dimension, value = _value_dimension(match, named, model, draft.metrics)
        negated = _negated(reading, match, previous)
        chosen.append((dimension, value, negated))
        previous = (match, negated)
        first = min((term.name for term in match.terms if term.kind == "value"), key=list(model.dimensions).index)
        if match.how != "exact" or dimension != first:
            draft.notes.append(t("nlq.note_value", lang, word=reading.word(match),
                                 dimension=model.dimensions[dimension].label(lang),
                                 value=_value_label(model, dimension, value, lang)))
    return _grouped_filters(chosen)


KIND_CUE = re.compile(r"(?:各|每|哪|不同)\s*(?:一)?(?:个)?(?:类型|类别|种类|类|种)\s*的?\s*$|"
                      r"\b(?:kinds?|types?|sorts?)\s+of\s+$")


def _kind_of(model: SemanticModel, match: Match, before: str) -> str | None:
    """各类活动, "types of campaigns": by the dimension that is the type of what is named (活动类型), if the
    model has one."""
    if not ends_with(KIND_CUE, before):
        return None
    kinds = {match.text + "类型", match.text + "类别", match.text + " type", singular(match.text) + " type"}
    return next((name for name, dim in model.dimensions.items()
                 if kinds & {label.lower() for label in dim.labels.values()}), None)


def _related_dimension(draft: Draft, model: SemanticModel, name: str) -> str:
    """A breakdown the metrics can't use, read as a related one they can: new customers "by channel" →
    by acquisition channel (a dimension whose name ends with the one asked for)."""
    if usable(model, draft.metrics, name):
        return name
    related = [other for other in model.dimensions if other != name and other.endswith("_" + name)
               and usable(model, draft.metrics, other)]
    return related[0] if len(related) == 1 else name


def _plural(reading: Reading, match: Match) -> bool:
    """"which campaigns", 哪些: rank them all rather than name only the first."""
    last = reading.tokens[match.end - 1]
    return reading.text[last.start:last.end] != last.text or reading.before(match).rstrip().endswith("哪些")


def _value_dimension(match: Match, named: set[str], model: SemanticModel, metrics: list[str]) -> tuple[str, str]:
    """The dimension a value belongs to: one the question names, else one the metrics can use, in model order."""
    terms = [term for term in match.terms if term.kind == "value"]
    order = list(model.dimensions)
    if len(terms) > 1:
        terms.sort(key=lambda term: (term.name not in named, not usable(model, metrics, term.name),
                                     order.index(term.name)))
    return terms[0].name, terms[0].value or ""


def _value_label(model: SemanticModel, dimension: str, value: str, lang: str) -> str:
    labels = model.dimensions[dimension].values.get(value)
    return labels.label(lang) if labels and lang in labels.labels else value


def _negated(reading: Reading, match: Match, previous: tuple[Match, bool] | None) -> bool:
    """After "excluding"/不含…, or listed right after a negated value ("excluding JD and Douyin")."""
    start = reading.tokens[match.start].start
    if previous is not None:
        gap = reading.text[reading.tokens[previous[0].end - 1].end:start]
        if CONNECTOR.match(gap):
            return previous[1]
    after = reading.text[reading.tokens[match.end - 1].end:][:4]
    cues = list(NEGATION.finditer(reading.text[max(0, start - 16):start]))
    if not cues:
        return after.strip().startswith(("以外", "之外", "外"))
    cue_end = max(0, start - 16) + cues[-1].end()
    qualifiers = {k for m in reading.matches if _kind(m) == "dimension" for k in range(m.start, m.end)}
    between = [i for i, tok in enumerate(reading.tokens) if cue_end <= tok.start < start
               and i not in qualifiers and tok.text not in STOPWORDS and tok.text not in ZH_STOP]
    return not between  # "不含退款的天猫销售额": the negation is about 退款, not 天猫


def _grouped_filters(chosen: list[tuple[str, str, bool]]) -> list[Filter]:
    groups: dict[tuple[str, bool], list[str]] = {}
    for dimension, value, negated in chosen:
        values = groups.setdefault((dimension, negated), [])
        if value not in values:
            values.append(value)
    out = []
    for (dimension, negated), values in groups.items():
        if len(values) == 1:
            out.append(Filter(dimension, "!=" if negated else "=", values[0]))
        else:
            out.append(Filter(dimension, "not in" if negated else "in", tuple(values)))
    return out


def _counts_that_fit(draft: Draft, model: SemanticModel, lang: str) -> None:
    """"customers at each funnel step": a distinct count that can't be split the way the question asks is read
    as the distinct count of the same thing where that split is recorded (the funnel's customers, not buyers)."""
    fields = list(dict.fromkeys([*draft.dimensions, *(f.field for f in draft.filters)]))
    for index, name in enumerate(draft.metrics):
        misfit = next((d for d in fields if not usable(model, [name], d)), None)
        other = _same_count(model, name, fields) if misfit else None
        if other and other not in draft.metrics:
            draft.metrics[index] = other
            draft.order_by = [OrderBy(other, o.desc) if o.field == name else o for o in draft.order_by]
            draft.notes.append(t("nlq.note_same_count", lang, old=model.metrics[name].label(lang),
                                 dimension=model.dimensions[misfit].label(lang),
                                 label=model.metrics[other].label(lang)))


def _same_count(model: SemanticModel, name: str, fields: list[str]) -> str | None:
    """Another metric counting the same distinct column (customer_id) that every field works with, unfiltered
    counts first."""
    measures = model.measures_of(name)
    if len(measures) != 1 or measures[0].agg != "count_distinct":
        return None
    candidates = []
    for other, metric in model.metrics.items():
        found = model.measures_of(other) if metric.measure and other != name else []
        if len(found) == 1 and (found[0].agg, found[0].expr) == (measures[0].agg, measures[0].expr) \
                and all(usable(model, [other], d) for d in fields):
            candidates.append((found[0].filter is not None, other))
    return min(candidates)[1] if candidates else None


def _ranking(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> None:
    ranking = reading.ranking
    if ranking is None or not draft.metrics:
        return
    metric = draft.metrics[0]
    desc = ranking.direction == "desc"
    if ranking.direction in ("best", "worst"):
        desc = model.metrics[metric].higher_is_better == (ranking.direction == "best")
    draft.order_by = [OrderBy(metric, desc=desc)]
    if ranking.limit is not None:
        draft.limit = ranking.limit
    elif ranking.word in ("top", "bottom") and _singular_after(reading, ranking.span[1]):
        draft.limit = 1  # "the top campaign by revenue": one
    elif ranking.word in ("top", "bottom", "前", "后", "末"):
        draft.limit = DEFAULT_TOP
        draft.notes.append(t("nlq.note_top_default", lang, word=ranking.word, n=DEFAULT_TOP))
    elif draft.which != "many" and not _sort_only(ranking.word):
        draft.limit = 1
    if not draft.dimensions and not draft.time_grain:
        draft.clarification = t("nlq.rank_what", lang, metric=model.metrics[metric].label(lang))


def _singular_after(reading: Reading, position: int) -> bool:
    """Whether the first dimension named after `position` is an English noun in the singular ("top campaign")."""
    match = next((m for m in reading.matches if _kind(m) == "dimension"
                  and reading.tokens[m.start].start >= position), None)
    if match is None:
        return False
    last = reading.tokens[match.end - 1]
    return last.text.isascii() and reading.text[last.start:last.end] == last.text and not last.text.endswith("s")


def _sort_only(word: str) -> bool:
    return word == "sort"


