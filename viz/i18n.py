"""UI text in English and Simplified Chinese, from assets/translations/<lang>/<area>.yaml.

Each area of the app (core, ask, explore, segments, campaigns, access...) keeps
its texts in its own file per language; the files of a language are merged and
a key defined twice is an error. Missing Chinese text falls back to English
rather than showing a key; a test keeps the two languages' keys identical.

>>> t("home.title", "zh")
'首页'
>>> t("home.data_through", "en", date="2025-12-31")
'Data through 2025-12-31'

Errors are worded the same way: `keyed_error` builds one whose English message comes
from a key of assets/translations/<lang>/errors.yaml (or any area) and which keeps the
key, so `error_text` can show it in the reader's language.

>>> from errors import PermissionDeniedError
>>> err = keyed_error(PermissionDeniedError, "errors.access.account_disabled", user="ana")
>>> str(err), error_text(err, "zh")
("The account 'ana' is disabled.", '账户“ana”已停用。')
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TypeVar

import yaml

from errors import BeaconError
from workspace.home import ASSETS

E = TypeVar("E", bound=BeaconError)

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


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`."""
    text = translations(lang).get(key) or translations("en").get(key) or key
    return text.format(**values) if values else text


def keyed_error(cls: type[E], key: str, /, *args: object, **values: object) -> E:
    """An error of class `cls` whose message is the English text of `key`, carrying the key and values.

    `args` go to the class after the message (a ShareLinkError's reason...). A value named `x_key` is
    a text key whose text fills `{x}`, so words (a role, an action) are translated too. A tuple of
    names fills its placeholder joined in the language's way, "', '" in English and "”、“" in Chinese,
    or with "or" when named `x_or`; the template puts the outer quotes: "Did you mean '{names}'?".
    A value that is itself an error fills its placeholder with that error's text in the language, so a
    message that wraps another ("Step 2 (filter): {problem}") reads in one language throughout; an
    empty `x_key` fills `{x}` with nothing, for a part of the sentence that is sometimes left out, and a
    tuple of keys fills it with their words joined as words ("customer id, date" / "客户编号、日期").
    """
    return cls(_render(key, values, "en"), *args).with_text(key, **values)


def error_text(err: BaseException, lang: str) -> str:
    """The error's message in `lang` when it carries a text key that every language knows; else str(err)."""
    key = getattr(err, "text_key", None)
    values: Mapping[str, object] = getattr(err, "text_values", {})
    known = translations("en")
    words = [w for k, v in values.items() if k.endswith("_key") for w in _keys(v)]
    if not key or key not in known or any(w not in known for w in words):
        return str(err)
    try:
        return _render(key, values, lang)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English still reads
        return str(err)


def _render(key: str, values: Mapping[str, object], lang: str) -> str:
    """`key`'s text filled with `values`, each first made readable in `lang` by `_plain`; `x_key` values are
    looked up (and filled from the other values) to fill `{x}`."""
    plain = {name.removesuffix("_or"): _plain(name, v, lang) for name, v in values.items() if not name.endswith("_key")}
    words = {name.removesuffix("_key"): t("errors.join.words", lang).join(t(w, lang, **plain) for w in _keys(v))
             for name, v in values.items() if name.endswith("_key")}
    return t(key, lang, **{**plain, **words})


def _keys(value: object) -> tuple[str, ...]:
    """The text keys an `x_key` value names: none when empty, several when a tuple."""
    return tuple(map(str, value)) if isinstance(value, tuple | list) else (str(value),) if value else ()


def _plain(name: str, value: object, lang: str) -> object:
    """A tuple of names joined in `lang`: with "or" when its name ends in `_or`, else as a list; an error as its
    text in `lang`."""
    if isinstance(value, BaseException):
        return error_text(value, lang)
    if not isinstance(value, tuple | list):
        return value
    return t("errors.join.or" if name.endswith("_or") else "errors.join.list", lang).join(map(str, value))
