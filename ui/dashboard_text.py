"""User-given names shown as text: Markdown's special characters escaped, so a name never becomes markup.

>>> plain("**Q3** [sales](x)") == r"\\*\\*Q3\\*\\* \\[sales\\]\\(x\\)"
True
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def plain(text: str) -> str:
    """`text` escaped for st.markdown/st.title, which would otherwise render it as Markdown."""
    return _SPECIAL.sub(r"\\\1", text)
