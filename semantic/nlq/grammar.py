"""The small words that shape a query: comparisons, rankings, negations, numeric conditions, follow-ups.

Each finder reads normalised question text and returns what it found with the
characters it used, so the vocabulary matcher skips them ("vs last year" is a
comparison, not the period "last year").

>>> find_ranking("排名前五的城市").limit, find_ranking("bottom 3 channels").direction
(5, 'asc')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from semantic.nlq.text import ZH_NUMBER, number

Span = tuple[int, int]
EN_NUM = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty"
ZH_UNIT = "(?:个|名|位|家|款|座|种|类|条|大)"
NOT_A_SPAN = r"(?!\s*(?:月|天|日|周|星期|季|年))"  # 三个月 is a span of time, not three things

VS = r"\b(?:vs\.?|versus|compared?\s+(?:to|with)|comparing\s+(?:to|with)|against|relative\s+to)\s+(?:the\s+)?"
UNIT_WORD = r"(?:period|month|quarter|week|day)"
PREVIOUS_YEAR = re.compile(
    rf"{VS}(?:same\s+(?:{UNIT_WORD}|time|year)\s+)?(?:of\s+|in\s+)?(?:the\s+)?(?:last|previous|prior|a)\s+year(?:'s)?"
    rf"(?:\s+same\s+{UNIT_WORD})?(?:\s+ago)?\b|{VS}(?:same\s+{UNIT_WORD}\s+)?a\s+year\s+(?:earlier|before|ago)\b|"
    r"\byear[\s-]+(?:over|on)[\s-]+year\b|\byoy\b|\by/y\b|同比(?:去年|上年)?(?:同期)?(?:增长|变化)?|"
    r"(?:和|与|跟|较|对比)?(?:去年|上年|上一年)同(?:期|月|季度?|周)(?:相比|比|对比)?|(?:和|与|跟|比|较)去年(?:相比|比)?")
PREVIOUS_PERIOD = re.compile(
    rf"{VS}(?:previous|prior|last|preceding)\s+{UNIT_WORD}\b|{VS}{UNIT_WORD}\s+before(?!\s+last)\b|"
    rf"{VS}(?:previous|prior|last|preceding)(?:\s+one)?(?!\s*(?:year|{UNIT_WORD}|[a-z0-9]))|"
    rf"\b(?:month|quarter|week|period|day)[\s-]+(?:over|on)[\s-]+{UNIT_WORD}\b|\b(?:mom|qoq|wow|pop|m/m|q/q)\b|"
    r"环比(?:上一?个?(?:月|季度|周|期))?(?:增长|变化)?|"
    r"(?:和|与|跟|比|较)(?:上一?个?月|上一?个?季度?|上一?周|上期|前一(?:个)?(?:月|季度|周|期))(?:相比|比)?")
VERSUS = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:to|with)|against|compare|comparing)\s|对比|相比|比较|和.{1,12}比")

RANK_EN = re.compile(
    rf"\b(?:(?P<n1>{EN_NUM})\s+)?(?P<word>top|bottom|best|worst|highest|lowest|largest|smallest|biggest|"
    rf"most|least|fewest|greatest|strongest|weakest|max|min)\b(?:\s+(?P<n2>{EN_NUM})\b)?")
RANK_ZH = re.compile(
    rf"(?:排名|排行)?(?P<word>前|后|倒数|末|最后|top\s*)(?:第)?(?P<n>{ZH_NUMBER})(?:名|个|位|家|大|款|座)?|"
    r"(?P<word2>最高|最多|最大|最好|最佳|最强|最低|最少|最小|最差|最弱|倒数|垫底|第一)"
    rf"(?:的?\s*(?:前\s*(?P<n2>{ZH_NUMBER})\s*{ZH_UNIT}?|(?P<n3>{ZH_NUMBER})\s*{ZH_UNIT}){NOT_A_SPAN})?")
# "which 3 channels …the highest", "the 3 cities with the highest…", 哪三个/三个…最高: the count sits by the noun,
# the direction in the superlative.
WHICH_COUNT = re.compile(rf"\b(?:which|what|the)\s+(?P<n>{EN_NUM})\s+(?!(?:day|week|month|quarter|year)s?\b)(?=[a-z])|"
                         rf"(?<![第前后这那0-9])(?P<n2>{ZH_NUMBER})\s*{ZH_UNIT}{NOT_A_SPAN}")
ORDER_WORDS = re.compile(r"\b(?:from\s+)?(?:highest|largest|biggest|high|lowest|smallest|low)\s+(?:first|to\s+"
                         r"(?:highest|lowest|high|low|smallest|largest))\b|\b(?:descending|ascending)\b|降序|升序|"
                         r"[从由](?:高到低|低到高|大到小|小到大)")
SORT_ONLY = re.compile(r"\b(?:rank(?:ed|ing|s)?|sort(?:ed)?\s+by|ordered\s+by)\b|排名|排行|排序")
DESC_WORDS = {"top", "highest", "largest", "biggest", "most", "greatest", "max", "前", "最高", "最多", "最大", "第一"}
BEST_WORDS = {"best", "strongest", "最好", "最佳", "最强"}
WORST_WORDS = {"worst", "weakest", "最差", "最弱", "垫底"}

# Between the items of a list: "and", 和, 、.
CONNECTOR = re.compile(r"^[\s,/&+、和及与或跟]*(?:and|or|nor)?[\s,/&+、和及与或跟]*$")
NEGATION = re.compile(r"\b(?:excluding|exclude|excludes|except(?:\s+for)?|without|not\s+(?:in|on|from|including)|"
                      r"other\s+than|apart\s+from|excl\.?|but\s+not|not|non)\b|不含|不包括|不包含|除了|除去|除(?!以)|排除|剔除|"
                      r"去掉|"
                      r"不算|不计|非")
GROUP_CUE = re.compile(r"\b(?:by|per|each|every|across|for\s+each|split\s+by|broken\s+down\s+by|breakdown\s+by|"
                       r"grouped\s+by|for\s+every|for\s+all|of\s+all|all)\s*$|(?:各|每个|每一个|每|按|按照|分|不同|各个|"
                       r"所有|分别按)\s*$")
EACH_CUE = re.compile(r"\b(?:at|for)?\s*(?:each|every)\s*$|(?:各|各个|每个|每一个)\s*$")  # 各环节人数: each step
WHICH = re.compile(rf"\b(?:which|what)\s+(?:(?:{EN_NUM})\s+)?$|哪(?:个|些|一个|一|家|座|种|类)?\s*$|"
                   rf"哪\s*(?:{ZH_NUMBER})\s*{ZH_UNIT}\s*$")
FOLLOW_UP = re.compile(r"^\s*(?:and|what\s+about|how\s+about|also|only|just|but|same|now|then|ok|instead)\b|"
                       r"\binstead\b|\bthe\s+same\b|^\s*(?:那|那么|只看|仅看|只|仅|换成|改为|改成|再|还有|同样|如果)|呢\s*\??$")
# A follow-up that is only "the same period a year before": the previous window moved back a year, not compared.
SAME_PERIOD_ONLY = re.compile(
    r"^\W*(?:and\s+|what\s+about\s+|how\s+about\s+|那么?|再看看?)?(?:for\s+|in\s+)?(?:the\s+)?(?:same\s+(?:period|time|"
    r"month|quarter|week|days?)\s+(?:of\s+)?(?:last|previous|prior|a)\s+year(?:\s+ago)?|(?:去年|上年)同(?:期|月|季度?|周))"
    r"\W*(?:的(?:数据|情况))?\W*(?:呢)?\W*$")
METRIC_CONDITION = re.compile(r"\b(?:over|above|more\s+than|greater\s+than|less\s+than|fewer\s+than|below|under|"
                              r"at\s+least|at\s+most|exceed(?:s|ed|ing)?)\s*\d[\d,.]*(?:\s*(?:k|m|million|billion))?\b|"
                              r"(?:超过|大于|小于|低于|高于|不低于|不超过|多于|少于|>=|<=|>|<)\s*\d[\d,.]*[万亿千]?")
AVERAGE = re.compile(r"\b(?:average|avg|mean|median)\b|平均|日均|月均")
PER_ENTITY = re.compile(r"\bper\s+(?:customer|buyer|person|head|capita|member|user)s?\b|人均|每人|每个客户|每位客户")
GROWTH = re.compile(r"\bgrowth\b|\bgr[eo]w(?:n|ing|s)?\b|\bincrease[sd]?\b|\bdecrease[sd]?\b|\bdecline[sd]?\b|"
                    r"\bchange[sd]?\b|增长|增幅|增速|下降|下滑|涨幅|跌幅|变化|变动")
UNSUPPORTED = re.compile(r"\b(?:share|proportion|percentage|percent)\s+of\s+(?:the\s+)?(?:total|all)\b|"
                         r"\b(?:share|proportion)\s+of\b|\bcontribution\b|占比|比重|份额|贡献率|占总")
INJECTION = re.compile(
    r"\b(?:drop|truncate|alter|delete|insert|update|grant|revoke|create|attach|copy|pragma)\s+(?:table|from|into|"
    r"database|schema|user|view|index|all)\b|\bignore\s+(?:all\s+)?(?:the\s+|your\s+|previous\s+|prior\s+)*"
    r"(?:above|previous|prior|instructions|rules)|\bunion\s+(?:all\s+)?select\b|\bselect\s+.+\s+from\b|;\s*--|"
    r"忽略(?:以上|上面|之前|前面|所有)|删除(?:表|数据|所有)|删掉|清空")


@dataclass(frozen=True)
class Ranking:
    direction: str        # desc, asc, best or worst (best/worst follow the metric's higher_is_better)
    limit: int | None     # None: sort everything
    span: Span
    word: str


@dataclass(frozen=True)
class Comparison:
    compare: str
    span: Span


def find_comparison(text: str) -> Comparison | None:
    for compare, pattern in (("previous_year", PREVIOUS_YEAR), ("previous_period", PREVIOUS_PERIOD)):
        m = pattern.search(text)
        if m:
            return Comparison(compare, m.span())
    return None


def find_ranking(text: str) -> Ranking | None:
    """The first ranking phrase: top 5, lowest, 前五名, 倒数3, 最高; "highest first", 降序 or a bare
    "rank"/排名 sort without a limit."""
    m = ORDER_WORDS.search(text)
    if m:
        ascending = any(w in m.group() for w in ("low", "small", "ascending", "升序", "从低", "由低", "从小", "由小"))
        return Ranking("asc" if ascending else "desc", None, m.span(), "sort")
    m = RANK_EN.search(text)
    if m:
        count = m.group("n1") or m.group("n2")
        ranking = Ranking(_direction(m.group("word")), number(count) if count else None, m.span(), m.group("word"))
        return _with_which_count(ranking, text)
    m = RANK_ZH.search(text)
    if m:
        word = (m.group("word") or m.group("word2") or "").strip()
        count = next((number(m.group(g)) for g in ("n", "n2", "n3") if m.group(g)), None)
        return _with_which_count(Ranking(_direction(word), count, m.span(), word), text)
    m = SORT_ONLY.search(text)
    return Ranking("desc", None, m.span(), "sort") if m else None


def _with_which_count(ranking: Ranking, text: str) -> Ranking:
    """A superlative without a count takes the one after "which" ("which 3 channels had the highest CPC")."""
    m = WHICH_COUNT.search(text) if ranking.limit is None else None
    if m is None:
        return ranking
    return replace(ranking, limit=number(m.group("n") or m.group("n2")))


def _direction(word: str) -> str:
    if word in BEST_WORDS:
        return "best"
    if word in WORST_WORDS:
        return "worst"
    return "desc" if word in DESC_WORDS or word.startswith("top") else "asc"


def spans(pattern: re.Pattern[str], text: str) -> list[Span]:
    return [m.span() for m in pattern.finditer(text)]


def ends_with(pattern: re.Pattern[str], before: str) -> bool:
    """Whether the text just before a word ends with a cue (by, 各, which, 哪个…)."""
    return bool(pattern.search(before[-24:]))


NUMERIC_OPS = {"over": ">", "above": ">", "more than": ">", "greater than": ">", "older than": ">",
               "at least": ">=", "under": "<", "below": "<", "less than": "<", "younger than": "<",
               "at most": "<=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "大于": ">", "超过": ">",
               "高于": ">", "多于": ">", "小于": "<", "低于": "<", "少于": "<", "不超过": "<=", "不低于": ">=",
               "至少": ">=", "以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "之上": ">", "之下": "<",
               "等于": "=", "is": "=", "of": "="}
OP_WORDS = "|".join(sorted((re.escape(k) for k in NUMERIC_OPS), key=len, reverse=True))


def numeric_conditions(text: str, names: str, bare: bool) -> list[tuple[Span, str, tuple[float, ...]]]:
    """Conditions on a number dimension whose phrases are the regex `names` (age|年龄|aged…).

    Returns (span, operator, values): "aged over 30" → ('>', (30,)), "30岁以上" → ('>=', (30,)),
    "年龄在25到35岁之间" / "between 25 and 35 years old" → ('between', (25, 35)). `bare` also reads
    conditions that name no dimension ("over 30 years old", 30岁以上): for the age dimension only.
    """
    num = r"(\d+(?:\.\d+)?)"
    patterns = (
        (rf"(?:{names})\s*(?:is\s+|在\s*)?(?:between\s+)?{num}\s*(?:and|to|-|~|到|至)\s*{num}\s*(?:岁|years?(?:\s+old)?)?"
         r"(?:之间)?", "between"),
        (rf"(?:between\s+)?{num}\s*(?:and|to|-|~|到|至)\s*{num}\s*(?:岁|years?\s+old)(?:之间)?", "between"),
        (rf"(?:{names})\s*(?:is\s+)?(?P<op>{OP_WORDS})\s*{num}\s*(?:岁|years?(?:\s+old)?)?", None),
        (rf"(?P<op>{OP_WORDS})\s*{num}\s*(?:岁|years?\s+old)", None),
        (rf"{num}\s*(?:岁|years?\s+old)\s*(?P<op>{OP_WORDS}|and\s+(?:over|above|older|under|below|younger)|\+)",
         None),
    )
    found: list[tuple[Span, str, tuple[float, ...]]] = []
    for index, (pattern, fixed) in enumerate(patterns):
        if index in (1, 3, 4) and not bare:
            continue
        for m in re.finditer(pattern, text):
            if any(m.start() < e and s < m.end() for (s, e), _, _ in found):
                continue
            values = tuple(_num(g) for g in m.groups() if g and re.fullmatch(r"\d+(?:\.\d+)?", g))
            op = fixed or _numeric_op(m.group("op"))
            found.append((m.span(), op, values))
    return found


def _numeric_op(word: str) -> str:
    word = re.sub(r"\s+", " ", word.strip())
    if word.startswith("and "):
        return ">=" if word.split()[1] in ("over", "above", "older") else "<="
    return ">=" if word == "+" else NUMERIC_OPS[word]


def _num(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value
