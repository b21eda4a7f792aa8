"""One question read into its parts: periods, grain, comparison, ranking, numeric conditions, vocabulary.

The order matters and is fixed here: campaign names with digits first (so "618 Mid-Year
Sale 2025" is a campaign, not a date), then comparisons ("vs last year" is not the
period last year), periods, numeric conditions, rankings and grains; the characters
each step used are blanked so the vocabulary matcher reads only what is left.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from semantic.model import SemanticModel
from semantic.nlq.dates import Grain, Period, find_grains, find_periods, wants_trend
from semantic.nlq.grammar import (
    CONNECTOR,
    EACH_CUE,
    Comparison,
    Ranking,
    ends_with,
    find_comparison,
    find_ranking,
    numeric_conditions,
)
from semantic.nlq.lexicon import STOPWORDS, ZH_STOP, Lexicon, Match, Term
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
    found = _listed_values(_split_after_cue(lexicon.match(tokens, blanked), lexicon, tokens, text), lexicon, tokens,
                           text, model)
    matches = sorted(protected + found, key=lambda m: m.start)
    used = frozenset(blanked | {k for m in matches for k in range(m.start, m.end)})
    rest = _blank(work, [_span(tokens, m) for m in matches])
    return Reading(question, text, tokens, matches, periods, grains, comparison, ranking, tuple(numeric),
                   trend.group() if trend else None, used, _unknown_names(question, text, tokens, used), rest)


def _split_after_cue(matches: list[Match], lexicon: Lexicon, tokens: list[Token], text: str) -> list[Match]:
    """After 各/每个/each, a metric phrase starting with a dimension is that breakdown and a metric (各环节人数)."""
    out: list[Match] = []
    for match in matches:
        cued = any(t.kind == "metric" for t in match.terms) and ends_with(EACH_CUE, text[:tokens[match.start].start])
        out += lexicon.split(match, tokens, _is("dimension"), _is("metric")) if cued else [match]
    return out


LISTED = re.compile(r"\s*(?:vs\.?|versus|against|对比|比)\s*")


def _listed_values(matches: list[Match], lexicon: Lexicon, tokens: list[Token], text: str,
                   model: SemanticModel) -> list[Match]:
    """A phrase listed with a value reads as a value of the same dimension ("Festival vs Promotion campaigns":
    promotion is also a word for campaign; 节日活动和促销活动: 促销 and 活动), and so does one followed by a noun
    of its own table ("promotion campaigns", but not "membership tier")."""
    out: list[Match] = []
    for i, match in enumerate(matches):
        after = matches[i + 1] if i + 1 < len(matches) else None
        near = [m for m in (out[-1] if out else None, after) if m is not None and _listed(m, match, tokens, text)]
        dims = {t.name for m in near for t in m.terms if t.kind == "value"}
        if after is not None and _heads(after, match, tokens, text):  # "promotion campaigns": the value, qualified
            tables = {table for t in after.terms for table in model.dimensions[t.name].exprs}
            dims |= {t.name for t in match.terms if t.kind == "value" and tables & set(model.dimensions[t.name].exprs)}
        values = tuple(t for t in match.terms if t.kind == "value" and t.name in dims)
        if values:
            out.append(replace(match, terms=values))
        elif dims and all(t.kind == "dimension" for t in match.terms):
            out += lexicon.split(match, tokens, _value_of(dims), lambda t: True)
        else:
            out.append(match)
    return out


def _heads(noun: Match, match: Match, tokens: list[Token], text: str) -> bool:
    """Whether `noun` is a dimension written right after `match`, the noun a value of `match` would qualify."""
    gap = text[tokens[match.end - 1].end:tokens[noun.start].start]
    return all(t.kind == "dimension" for t in noun.terms) and not gap.strip(" 类型") \
        and any(t.kind == "dimension" for t in match.terms) and any(t.kind == "value" for t in match.terms)


def _value_of(dims: set[str]) -> Callable[[Term], bool]:
    return lambda term: term.kind == "value" and term.name in dims


def _listed(a: Match, b: Match, tokens: list[Token], text: str) -> bool:
    first, second = (a, b) if a.start < b.start else (b, a)
    gap = text[tokens[first.end - 1].end:tokens[second.start].start]
    return bool(gap.strip()) and bool(CONNECTOR.match(gap) or LISTED.fullmatch(gap))


def _is(kind: str) -> Callable[[Term], bool]:
    return lambda term: term.kind == kind


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
    kinds = _unknown_kinds(tokens, used)
    return tuple(names + [question[t.start:t.end] if same_length else t.raw for t in kinds])


# Whose figures: "returning customers", "VIP buyers", "premium products": a word before one of these nouns that
# nothing explains is a filter the model can't apply, asked about rather than dropped.
ENTITY_NOUNS = frozenset({"customer", "buyer", "member", "user", "shopper", "people", "client", "product", "order",
                          "item", "purchaser", "consumer", "visitor"})
NOT_A_KIND = frozenset({"average", "avg", "mean", "median", "unique", "distinct", "different", "many", "much",
                        "more", "fewer", "those", "these", "such", "individual", "separate"})


def _unknown_kinds(tokens: list[Token], used: frozenset[int]) -> list[Token]:
    return [token for i, token in enumerate(tokens[:-1])
            if i not in used and _entity_at(tokens, i + 1) and token.text.isascii()
            and token.text.isalpha() and len(token.text) >= 3 and token.text not in STOPWORDS
            and token.text not in NOT_A_KIND]


ZH_FILLER = re.compile("|".join((
    "表现|怎么样|如何|数据|情况|分布|会员|客户|用户|顾客|品类|类别|类|整体",
    "总体|一下|请问|帮忙|告诉|看看|看下|金额|总额|总计|汇总|统计|分别|对应",
    "相关|期间|时候|时间|以外|之外|不含|不包括|除了|除去|排除|剔除|地区|区域",
    "只看|仅看|只|仅|查看|查询|显示|列出|给出|多少|一共|总共|共计|合计|所有",
    "全部",
)))


def _cjk_runs(tokens: list[Token], used: frozenset[int]) -> list[list[int]]:
    """Runs of two or more unexplained Chinese characters, filler words cut out (沉睡用户 → 沉睡)."""
    runs: list[list[int]] = [[]]
    for i, token in enumerate(tokens):
        if i in used or not CJK.match(token.text) or token.text in ZH_STOP:
            runs.append([])
        else:
            runs[-1].append(i)
    pieces = []
    for run in runs:  # one character a token: a filler word's span in the text is its span in the run
        cuts = [0, *(k for m in ZH_FILLER.finditer("".join(tokens[i].text for i in run)) for k in m.span()), len(run)]
        pieces += [run[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
    return [piece for piece in pieces if len(piece) >= 2]


def _entity_at(tokens: list[Token], i: int) -> bool:
    return tokens[i].text in ENTITY_NOUNS or "".join(t.text for t in tokens[i:i + 2]) in ZH_ENTITY


def _filter_position(text: str, tokens: list[Token], run: list[int]) -> bool:
    """Before 的 or a noun of people or goods (复购客户, 高端产品), or after 在/来自/于."""
    after = text[tokens[run[-1]].end:tokens[run[-1]].end + 2]
    before = text[max(0, tokens[run[0]].start - 2):tokens[run[0]].start]
    return after[:1] == "的" or after.startswith(ZH_ENTITY) or before.endswith(("在", "来自", "于"))


ZH_ENTITY = ("客户", "顾客", "用户", "会员", "买家", "人群", "产品", "商品", "订单")


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
