"""One question read into its parts: periods, grain, comparison, ranking, numeric conditions, vocabulary.

The order matters and is fixed here: campaign names with digits first (so "618 Mid-Year
Sale 2025" is a campaign, not a date), then comparisons ("vs last year" is not the
period last year), periods, numeric conditions, rankings and grains; the characters
each step used are blanked so the vocabulary matcher reads only what is left.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from semantic.model import SemanticModel
from semantic.nlq.dates import Grain, Period, find_grains, find_periods, wants_trend
from semantic.nlq.grammar import Comparison, Ranking, find_comparison, find_ranking, numeric_conditions
from semantic.nlq.lexicon import ZH_STOP, Lexicon, Match
from semantic.nlq.text import CJK, Token, normalize, tokenize
from semantic.query import Filter


@dataclass(frozen=True)
class Reading:
    question: str                  # as asked
    text: str                      # the normalised question
    tokens: list[Token]
    matches: list[Match]           # vocabulary found, in order
    periods: list[Period]
    grains: list[Grain]
    comparison: Comparison | None
    ranking: Ranking | None
    numeric: tuple[Filter, ...]
    trend: str | None               # the word asking for a series over time ("trend", 趋势)
    used: frozenset[int]            # token indices explained by something
    unknown_names: tuple[str, ...]  # capitalised names nothing explains ("in Paris"): asked about, not ignored
    rest: str                       # the text nothing above explained, for the checks that ask instead

    def word(self, match: Match) -> str:
        """A match as the user wrote it ("Tmall", not "tmall"), for notes."""
        start, end = _span(self.tokens, match)
        return self.question[start:end] if len(self.question) == len(self.text) else match.text

    def before(self, match: Match) -> str:
        """The normalised text just before a match, where cues such as "by", 各 or "which" sit."""
        return self.text[:self.tokens[match.start].start]


def read(question: str, lexicon: Lexicon, model: SemanticModel, as_of: dt.date) -> Reading:
    text = normalize(question)
    tokens = tokenize(text)
    protected = [m for m in (lexicon.match(tokens) if re.search(r"\d", text) else [])
                 if any(t.value and re.search(r"\d", t.value) for t in m.terms)]  # "618 Mid-Year Sale 2025"
    work = _blank(text, [_span(tokens, m) for m in protected])
    comparison = find_comparison(work)
    work = _blank(work, [comparison.span] if comparison else [])
    periods = find_periods(work, as_of)
    work = _blank(work, [(p.start, p.end) for p in periods])
    numeric, spans = _numeric(work, model)
    work = _blank(work, spans)
    ranking = find_ranking(work)
    work = _blank(work, [ranking.span] if ranking else [])
    grains, trend = find_grains(work), wants_trend(work)
    work = _blank(work, [(g.start, g.end) for g in grains] + ([trend.span()] if trend else []))
    blanked = {i for i, t in enumerate(tokens) if not work[t.start:t.end].strip()}  # protected ones included
    matches = sorted(protected + lexicon.match(tokens, blanked), key=lambda m: m.start)
    used = frozenset(blanked | {k for m in matches for k in range(m.start, m.end)})
    rest = _blank(work, [_span(tokens, m) for m in matches])
    return Reading(question, text, tokens, matches, periods, grains, comparison, ranking, tuple(numeric),
                   trend.group() if trend else None, used, _unknown_names(question, text, tokens, used), rest)


def _span(tokens: list[Token], match: Match) -> tuple[int, int]:
    return tokens[match.start].start, tokens[match.end - 1].end


def _unknown_names(question: str, text: str, tokens: list[Token], used: frozenset[int]) -> tuple[str, ...]:
    """Names nothing explained where a filter would be: "in Paris", 巴黎的销售额 (before 的 or after 在/来自)."""
    names = [text[tokens[r[0]].start:tokens[r[-1]].end] for r in _cjk_runs(tokens, used)
             if _filter_position(text, tokens, r)]
    starts = {t.start: i for i, t in enumerate(tokens)}
    same_length = len(question) == len(text)  # NFKC kept every position, so the capitals can be looked up
    for m in re.finditer(r"\b(?:in|on|at|from|for)\s+([a-z][\w'\-]*)", text):
        index = starts.get(m.start(1))
        if same_length and index is not None and index not in used and question[m.start(1)].isupper():
            names.append(question[m.start(1):m.end(1)])
    return tuple(names)


ZH_FILLER = re.compile("|".join((
    "表现|怎么样|如何|数据|情况|分布|会员|客户|用户|顾客|品类|类别|类|整体",
    "总体|一下|请问|帮忙|告诉|看看|看下|金额|总额|总计|汇总|统计|分别|对应",
    "相关|期间|时候|时间|以外|之外|不含|不包括|除了|除去|排除|剔除|地区|区域",
    "只看|仅看|只|仅|查看|查询|显示|列出|给出|多少|一共|总共|共计|合计|所有",
    "全部",
)))


def _cjk_runs(tokens: list[Token], used: frozenset[int]) -> list[list[int]]:
    """Runs of two or more unexplained Chinese characters that are not filler words."""
    runs: list[list[int]] = [[]]
    for i, token in enumerate(tokens):
        if i in used or not CJK.match(token.text) or token.text in ZH_STOP:
            runs.append([])
        else:
            runs[-1].append(i)
    return [run for run in runs if len(run) >= 2 and not ZH_FILLER.search("".join(tokens[i].text for i in run))]


def _filter_position(text: str, tokens: list[Token], run: list[int]) -> bool:
    after = text[tokens[run[-1]].end:tokens[run[-1]].end + 1]
    before = text[max(0, tokens[run[0]].start - 2):tokens[run[0]].start]
    return after == "的" or before.endswith(("在", "来自", "于"))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the characters in `spans` by spaces, keeping every position where it was."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _numeric(text: str, model: SemanticModel) -> tuple[list[Filter], list[tuple[int, int]]]:
    """Conditions on number dimensions: "customers aged over 30", "30岁以上", "年龄在25到35岁之间"."""
    filters, spans = [], []
    for name, dim in model.dimensions.items():
        if dim.type != "number":
            continue
        is_age = name == "age" or "年龄" in dim.labels.get("zh", "")
        words = [name.replace("_", " "), *dim.labels.values(), *(w for ws in dim.synonyms.values() for w in ws)]
        words += ["aged", "ages"] if is_age else []
        names = "|".join(re.escape(normalize(w)) for w in sorted(words, key=len, reverse=True))
        for span, op, values in numeric_conditions(text, names, bare=is_age):
            if any(span[0] < e and s < span[1] for s, e in spans):
                continue
            filters.append(Filter(name, op, values if op == "between" else values[0]))
            spans.append(span)
    return filters, spans
