"""Question text made comparable: normalised, split into tokens, and numbers read in both languages.

English words become lower-case tokens with a crude singular (`channels` → `channel`),
so "orders" and "order" find the same entry; every Chinese character is a token of
its own, so Chinese without spaces can be matched longest-first like English phrases.

>>> [t.text for t in tokenize("上月GMV by Channels")]
['上', '月', 'gmv', 'by', 'channel']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CJK = re.compile(r"[\u3400-\u9fff]")
TOKEN = re.compile(r"[a-z0-9]+(?:['’\-.&][a-z0-9]+)*|[\u3400-\u9fff]|[<>]=?|[+%]")
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
              "fifty": 50, "hundred": 100}
ZH_NUMBER = r"[0-9]+|[零〇一二两三四五六七八九十百]+"


@dataclass(frozen=True)
class Token:
    text: str   # normalised form used for look-ups
    start: int  # character span in the normalised question
    end: int
    raw: str = ""  # the word as written (lower case)


def normalize(question: str) -> str:
    """NFKC (full-width → half-width), lower case, and Chinese punctuation turned into spaces."""
    text = unicodedata.normalize("NFKC", question).lower()
    text = re.sub(r"\bnon-(?=[a-z])", "non ", text)  # "non-gold members": the negation and the value, apart
    return re.sub(r"[,。、;:!?“”‘’\"()\[\]{}《》<>]", lambda m: m.group() if m.group() in "<>" else " ", text)


def is_chinese(question: str) -> bool:
    return bool(CJK.search(question))


def language(question: str, default: str = "en") -> str:
    """zh when the question has Chinese characters, en when it has Latin letters only, else `default`."""
    if is_chinese(question):
        return "zh"
    return "en" if re.search(r"[A-Za-z]", question) else default


def singular(word: str) -> str:
    """A crude English singular, applied the same way to questions and vocabulary."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def word_key(word: str) -> str:
    """The look-up form of one token: no apostrophes, singular."""
    return singular(word.replace("'", "").replace("’", ""))


def tokenize(text: str) -> list[Token]:
    """Tokens of already-normalised text, each with its span."""
    return [Token(word_key(m.group()), m.start(), m.end(), m.group()) for m in TOKEN.finditer(normalize(text))]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The token tuple a vocabulary phrase is stored under ("Offline Store" → ('offline', 'store'))."""
    return tuple(t.text for t in tokenize(phrase.replace("_", " ")))


def zh_number(text: str) -> int | None:
    """Arabic or Chinese numerals up to the hundreds: '5' → 5, '十' → 10, '二十五' → 25, '两' → 2."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in ZH_DIGITS and c not in "十百" for c in text):
        return None
    total, current = 0, 0
    for char in text:
        if char in ZH_DIGITS:
            current = ZH_DIGITS[char]
        else:
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
    return total + current


def number(text: str) -> int | None:
    """A count written in digits, English words or Chinese numerals."""
    return EN_NUMBERS.get(text) if text in EN_NUMBERS else zh_number(text)
