"""The model's vocabulary as phrases: metric, dimension and value names in English and Chinese.

Built once per model, data values and saved examples (`lexicon_for` caches it), so
reading a question is a handful of dictionary look-ups: forward longest match over
tokens (Chinese without spaces included), then pinyin for Chinese place and brand
names that are stored in Latin letters (上海 → Shanghai), then fuzzy matching of
the English words left over (revnue → revenue).

For example "revnue in 上海" matches Revenue (a typo) and city = Shanghai (pinyin).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import OSA

from semantic.model import Described, SemanticModel
from semantic.nlq.text import CJK, Token, phrase_key

LABEL, SYNONYM, DERIVED, LEARNED = 0, 1, 2, 1  # lower ranks win when a phrase has several readings
FUZZY_CUTOFF = 0.83
STOPWORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "for", "to", "by", "per", "and", "or", "what", "what's", "whats",
    "which", "who", "how", "many", "much", "is", "are", "was", "were", "be", "been", "did", "do", "does", "show",
    "me", "give", "list", "tell", "get", "total", "overall", "sum", "all", "each", "every", "with", "from",
    "between", "vs", "versus", "than", "over", "under", "about", "our", "my", "we", "i", "please", "can", "could",
    "you", "number", "count", "had", "has", "have", "most", "least", "top", "bottom", "best", "worst", "highest",
    "lowest", "only", "just", "excluding", "except", "without", "not", "no", "compared", "compare", "against",
    "same", "period", "this", "that", "these", "those", "last", "previous", "next", "year", "month", "week", "day",
    "quarter", "it", "its", "their", "them", "there", "where", "when", "then", "also", "too", "instead", "break",
    "down", "split", "breakdown", "across", "among", "during", "since", "until", "through", "into", "as", "out",
    "off", "up", "any", "some", "other", "others", "more", "less", "greater", "smaller", "rank", "ranked",
    "ranking", "order", "sorted", "sort", "value", "amount", "rate"})
ZH_STOP = frozenset("的是了吗呢吧啊有和与及跟在按看下请帮我们你各每个些哪什么怎样多少几总共合计一共统计查询显示"
                    "列出对比比较那这其中里中上去年月日天周季度最高低多少好差前后名位排序为到从至以来比同环期间"
                    "一下情况分别所有全部整体总数量是否")


@dataclass(frozen=True)
class Term:
    kind: str           # "metric", "dimension" or "value"
    name: str           # the metric or dimension name
    value: str | None = None  # for values: the value exactly as stored in the data
    rank: int = LABEL


@dataclass(frozen=True)
class Match:
    start: int  # token indices
    end: int
    terms: tuple[Term, ...]
    text: str
    how: str = "exact"  # exact, pinyin or fuzzy


@dataclass
class Lexicon:
    phrases: dict[tuple[str, ...], list[Term]] = field(default_factory=dict)
    pinyin: dict[str, list[Term]] = field(default_factory=dict)
    max_len: int = 1
    words: dict[str, str] = field(default_factory=dict)  # for typo correction: word or plural → key
    choices: list[str] = field(default_factory=list)

    def add(self, phrase: str, term: Term) -> None:
        key = phrase_key(phrase)
        if not key:
            return
        terms = self.phrases.setdefault(key, [])
        same = next((t for t in terms if (t.kind, t.name, t.value) == (term.kind, term.name, term.value)), None)
        if same is None or term.rank < same.rank:
            if same is not None:
                terms.remove(same)
            terms.append(term)
        self.max_len = max(self.max_len, len(key))

    def match(self, tokens: list[Token], taken: set[int] = frozenset()) -> list[Match]:
        """Forward longest match, again after correcting typos, then pinyin for what is left; in token order."""
        found = self._forward(tokens, taken)
        fixed = self._corrections(tokens, set(taken) | _covered(found))
        if fixed:
            tokens = [replace(t, text=fixed[i]) if i in fixed else t for i, t in enumerate(tokens)]
            found = [replace(m, how="fuzzy") if any(k in fixed for k in range(m.start, m.end)) else m
                     for m in self._forward(tokens, taken)]
        found += self._pinyin(tokens, set(taken) | _covered(found))
        return sorted(found, key=lambda m: m.start)

    def split(self, match: Match, tokens: list[Token], head: Callable[[Term], bool],
              tail: Callable[[Term], bool]) -> list[Match]:
        """A phrase read as two known ones, the first with terms `head` accepts, the second with terms `tail`
        accepts: 环节人数 after 各 is "each step" and 人数; 促销活动 next to 节日活动 is 促销 and 活动.
        Unchanged when no cut gives both."""
        for cut in range(match.end - 1, match.start, -1):
            first = tuple(t for t in self.phrases.get(tuple(t.text for t in tokens[match.start:cut]), []) if head(t))
            second = tuple(t for t in self.phrases.get(tuple(t.text for t in tokens[cut:match.end]), []) if tail(t))
            if first and second:
                return [Match(match.start, cut, first, _span_text(tokens, match.start, cut), match.how),
                        Match(cut, match.end, second, _span_text(tokens, cut, match.end), match.how)]
        return [match]

    def _forward(self, tokens: list[Token], taken: set[int]) -> list[Match]:
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            hit = None if i in taken else self._longest(tokens, i, taken)
            found += [hit] if hit else []
            i = hit.end if hit else i + 1
        return found

    def _longest(self, tokens: list[Token], i: int, taken: set[int]) -> Match | None:
        for size in range(min(self.max_len, len(tokens) - i), 0, -1):
            if any(k in taken for k in range(i, i + size)):
                continue
            terms = self.phrases.get(tuple(t.text for t in tokens[i:i + size]))
            if terms:
                return Match(i, i + size, tuple(terms), _span_text(tokens, i, i + size))
        return None

    def _pinyin(self, tokens: list[Token], used: set[int]) -> list[Match]:
        """Chinese names of values stored in pinyin: 上海 → Shanghai, 抖音 → Douyin (2–4 characters)."""
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            hit = None
            for size in (4, 3, 2):
                span = range(i, i + size)
                if i + size > len(tokens) or any(k in used or not CJK.match(tokens[k].text) for k in span):
                    continue
                terms = self.pinyin.get(_pinyin("".join(tokens[k].text for k in span)))
                if terms:
                    hit = Match(i, i + size, tuple(terms), _span_text(tokens, i, i + size), "pinyin")
                    break
            found += [hit] if hit else []
            i = hit.end if hit else i + 1
        return found

    def _corrections(self, tokens: list[Token], used: set[int]) -> dict[int, str]:
        """English words with a typo (revnue, chanel, ordres) → the closest vocabulary word's key."""
        fixed = {}
        for i, token in enumerate(tokens):
            raw = token.raw or token.text
            if i in used or len(raw) < 6 or token.text in STOPWORDS or not raw.isalpha() or not raw.isascii():
                continue
            best = process.extractOne(raw, self.choices, scorer=OSA.normalized_similarity,
                                      score_cutoff=FUZZY_CUTOFF)
            if best is not None:
                fixed[i] = self.words[best[0]]
        return fixed

    def index_words(self) -> None:
        """Every English word of the vocabulary, as written and as its key, mapped to the key (for typos)."""
        for key in self.phrases:
            for word in key:
                if word.isascii() and word.isalpha() and len(word) >= 4:
                    self.words.update({word: word, word + "s": word})
        self.choices = list(self.words)


def _covered(matches: list[Match]) -> set[int]:
    return {k for m in matches for k in range(m.start, m.end)}


def _span_text(tokens: list[Token], start: int, end: int) -> str:
    words = [t.raw or t.text for t in tokens[start:end]]
    return "".join(words) if all(CJK.match(w) for w in words) else " ".join(words)


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text))


def _ascii_key(value: str) -> str | None:
    key = re.sub(r"[^a-z]", "", value.lower())
    return key if len(key) >= 4 and key.isascii() else None


def _described_phrases(part: Described, with_name: bool = True) -> Iterable[tuple[str, int]]:
    if with_name:
        yield part.name.replace("_", " "), LABEL
    for label in part.labels.values():
        yield from _with_stem(label, LABEL)
    for words in part.synonyms.values():
        for word in words:
            yield from _with_stem(word, SYNONYM)


def _with_stem(word: str, rank: int) -> Iterable[tuple[str, int]]:
    yield word, rank
    if len(word) >= 3 and word[-1] in "数量" and CJK.match(word[-2]):
        yield word[:-1], DERIVED  # 订单数 → 订单, 客户数 → 客户


def build_lexicon(model: SemanticModel, values: dict[str, tuple[str, ...]],
                  learned: Iterable[tuple[str, Term]] = ()) -> Lexicon:
    lexicon = Lexicon()
    for name, metric in model.metrics.items():
        for phrase, rank in _described_phrases(metric):
            lexicon.add(phrase, Term("metric", name, rank=rank))
    for name, dim in model.dimensions.items():
        for phrase, rank in _described_phrases(dim):
            lexicon.add(phrase, Term("dimension", name, rank=rank))
        for value in values.get(name) or tuple(dim.values):  # without data, the values the model labels
            _add_value(lexicon, name, value, dim.values.get(value))
    for phrase, term in learned:
        lexicon.add(phrase, term)
    lexicon.index_words()
    return lexicon


def _add_value(lexicon: Lexicon, dimension: str, value: str, labels: Described | None) -> None:
    """A value by its own name (unless that is a bare number, one letter or a common word) and its labels."""
    term = Term("value", dimension, value)
    key = phrase_key(value)
    if labels or not (len(value) < 2 or value.isdigit() or (len(key) == 1 and key[0] in STOPWORDS)):
        lexicon.add(value, term)
    for phrase, _ in _described_phrases(labels, with_name=False) if labels else ():
        lexicon.add(phrase, term)
    ascii_key = _ascii_key(value)
    if ascii_key and not re.search(r"\d", value):
        lexicon.pinyin.setdefault(ascii_key, []).append(term)


_CACHE: OrderedDict[tuple[int, int, object], tuple[object, object, Lexicon]] = OrderedDict()
_LOCK = threading.Lock()
_NO_VALUES: dict[str, tuple[str, ...]] = {}


def lexicon_for(model: SemanticModel, values: dict[str, tuple[str, ...]],
                learned: tuple[tuple[str, Term], ...] = ()) -> Lexicon:
    """The lexicon of this model, values and learned phrases, built once and kept (a few at a time)."""
    values = values or _NO_VALUES  # a context's default {} is a new dict each time: share one
    key = (id(model), id(values), learned)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is model and hit[1] is values:
            _CACHE.move_to_end(key)
            return hit[2]
    lexicon = build_lexicon(model, values, learned)
    with _LOCK:
        _CACHE[key] = (model, values, lexicon)
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return lexicon


def leftover_runs(tokens: list[Token], used: set[int]) -> list[str]:
    """Runs of content words no vocabulary, date or grammar word explained (for learning synonyms)."""
    runs: list[list[str]] = [[]]
    for i, token in enumerate(tokens):
        word = token.text
        if i in used or word in STOPWORDS or word in ZH_STOP or word.isdigit():
            runs.append([])
        else:
            runs[-1].append(word)
    return [_join(run) for run in runs if run]


def _join(words: list[str]) -> str:
    return "".join(words) if all(CJK.match(w) for w in words) else " ".join(words)
