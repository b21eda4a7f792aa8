"""Safe identifiers for names people write: '订单编号' → 'dingdanbianhao', 'Unit Price' → 'unit_price'.

Users keep their own column names everywhere they see them; the safe name is
what model ids and table names use, so nothing a file contains can become SQL.

>>> safe_name("总金额(元)"), safe_name("Unit Price"), safe_name("1月"), safe_name("")
('zongjine_yuan', 'unit_price', 't_1_yue', 'column')
>>> unique_names(["Amount", "amount", "AMOUNT"])
['amount', 'amount_2', 'amount_3']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pypinyin import lazy_pinyin

_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_LENGTH = 60


def safe_name(text: str, fallback: str = "column") -> str:
    """Lowercase ASCII letters, digits and underscores, not starting with a digit."""
    words = []
    for part in re.split(r"([\u3400-\u9fff]+)", unicodedata.normalize("NFKC", str(text))):
        if re.fullmatch(r"[\u3400-\u9fff]+", part):
            words.append("".join(lazy_pinyin(part)))
        else:
            words.append(part)
    ascii_text = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode()
    name = _NON_WORD.sub("_", ascii_text.lower()).strip("_")[:MAX_LENGTH].strip("_")
    if not name:
        return fallback
    return f"t_{name}" if name[0].isdigit() else name


def unique_names(texts: Iterable[str], fallback: str = "column") -> list[str]:
    """Safe names for a list of headers, made unique with _2, _3 suffixes."""
    seen: set[str] = set()
    out = []
    for text in texts:
        base = safe_name(text, fallback)
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        out.append(name)
    return out
