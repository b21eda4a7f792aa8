"""UI text in English and Simplified Chinese, from assets/translations/<lang>/<area>.yaml.

Each area of the app (core, ask, explore, segments, campaigns, access...) keeps
its texts in its own file per language; the files of a language are merged and
a key defined twice is an error. Missing Chinese text falls back to English
rather than showing a key; a test keeps the two languages' keys identical.

>>> t("home.title", "zh")
'首页'
>>> t("home.data_through", "en", date="2025-12-31")
'Data through 2025-12-31'
"""

from __future__ import annotations

from functools import cache

import yaml

from workspace.home import ASSETS

LANGUAGES = {"en": "English", "zh": "中文"}


@cache
def translations(lang: str) -> dict[str, str]:
    """Flat `section.key` → text for one language, merged from every area file of that language."""
    merged: dict[str, str] = {}
    for path in sorted((ASSETS / "translations" / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, text in _flatten(data, ""):
            if key in merged:
                raise ValueError(f"{path}: the text key '{key}' is already defined in another {lang} file")
            merged[key] = text
    return merged


def _flatten(data: dict[str, object], prefix: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        out.extend(_flatten(value, f"{name}.") if isinstance(value, dict) else [(name, str(value))])
    return out


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`."""
    text = translations(lang).get(key) or translations("en").get(key) or key
    return text.format(**values) if values else text
