"""Cleaning steps in words, English or Simplified Chinese, for the recipe list a marketer reads and undoes.

Kept apart from the steps so the SQL of a step and the sentence that names it change
independently; `ingest.recipe` re-exports `describe`. A sentence is a template per step `op`
whose blanks are the step's fields, quoted, and a few words from the menus (转为小写, ≥ ...).

>>> from ingest.recipe_steps import Filter, Split
>>> describe(Filter("渠道", "in", ("微信", "抖音")), "en")
"Keep rows where '渠道' is one of '微信', '抖音'"
>>> describe(Split("地址", "-", ("省", "市")), "zh")
"按 '-' 将 '地址' 拆分为 '省'、'市'"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ingest.recipe_steps import Step

_TEXT: dict[str, tuple[str, str]] = {
    "rename": ("Rename {column} to {to}", "将 {column} 重命名为 {to}"),
    "cast": ("Convert {column} to {to}; values that cannot be converted become empty",
             "将 {column} 转换为{to}，无法转换的值变为空"),
    "trim": ("Trim spaces around {column}", "去除 {column} 首尾的空格"),
    "case": ("Make {column} {mode}", "将 {column} 转为{mode}"),
    "fill": ("Fill empty cells of {column} with {method}", "用{method}填充 {column} 的空值"),
    "drop_duplicates": ("Remove duplicate rows{keys}, keeping the first", "删除重复行{keys}，保留第一行"),
    "filter": ("Keep rows where {column} {operator}{value}", "只保留 {column} {operator}{value}的行"),
    "split": ("Split {column} at {separator} into {into}", "按 {separator} 将 {column} 拆分为 {into}"),
    "merge": ("Merge {columns} with {separator} into {into}", "用 {separator} 连接 {columns}，生成 {into}"),
    "map_values": ("Replace values of {column}: {mapping}; {other}", "替换 {column} 的值：{mapping}；{other}"),
    "derive": ("Add column {name} = {expression}", "新增列 {name} = {expression}"),
}
_WORDS: dict[str, tuple[str, str]] = {
    "integer": ("integer", "整数"), "decimal": ("decimal", "小数"), "text": ("text", "文本"),
    "date": ("date", "日期"), "timestamp": ("date and time", "日期时间"), "boolean": ("yes/no", "是/否"),
    "lower": ("lower case", "小写"), "upper": ("upper case", "大写"), "title": ("title case", "首字母大写"),
    "mean": ("the column mean", "平均值"), "median": ("the column median", "中位数"),
    "forward": ("the value above", "上一行的值"),
    "=": ("=", "等于"), "!=": ("≠", "不等于"), ">": (">", "大于"), ">=": ("≥", "大于等于"), "<": ("<", "小于"),
    "<=": ("≤", "小于等于"), "in": ("is one of", "属于"), "not in": ("is not one of", "不属于"),
    "contains": ("contains", "包含"), "starts with": ("starts with", "开头是"),
    "is null": ("is empty", "为空"), "is not null": ("is not empty", "不为空"),
    "keep": ("other values kept", "其他值保留"), "null": ("other values emptied", "其他值置空"),
}


@dataclass(frozen=True)
class _Lang:
    """The small choices a sentence makes by language: menu words, list separators."""

    zh: bool

    def word(self, key: Any) -> str:
        return _WORDS.get(str(key), (str(key), str(key)))[self.zh]

    def names(self, items: Any) -> str:
        return ("、" if self.zh else ", ").join(f"'{i}'" for i in items)

    def blank(self, text: str) -> str:
        """Chinese runs the words together, so a value between them needs a space on each side."""
        return f" {text} " if self.zh else text


def describe(step: Step, lang: str) -> str:
    """The step in words for the recipe list, in English or Simplified Chinese.

    >>> from ingest.recipe_steps import Fill
    >>> describe(Fill("金额", "median"), "en"), describe(Fill("金额", "value", 0), "zh")
    ("Fill empty cells of '金额' with the column median", "用 0 填充 '金额' 的空值")
    """
    zh = lang.lower().startswith("zh")
    return _TEXT[step.op][zh].format(**_slots(step, _Lang(zh)))


def _slots(step: Step, lang: _Lang) -> dict[str, str]:
    """The step's fields as the words `_TEXT` puts in its blanks: quoted names, then the op's own words."""
    slots = {f.name: f"'{getattr(step, f.name)}'" for f in fields(step)}
    slots.setdefault("into", "")
    return slots | _SLOTS.get(step.op, lambda _step, _lang: {})(step, lang)


def _fill(step: Any, lang: _Lang) -> dict[str, str]:
    return {"method": lang.blank(_quoted(step.value)) if step.method == "value" else lang.word(step.method)}


def _drop_duplicates(step: Any, lang: _Lang) -> dict[str, str]:
    if not step.keys:
        return {"keys": ""}
    return {"keys": f"（{lang.names(step.keys)} 相同）" if lang.zh else f" (same {lang.names(step.keys)})"}


def _filter(step: Any, lang: _Lang) -> dict[str, str]:
    values = () if step.value is None else step.value if isinstance(step.value, tuple) else (step.value,)
    value = ("、" if lang.zh else ", ").join(_quoted(v) for v in values)
    return {"operator": lang.word(step.operator), "value": (f" {value} " if lang.zh else f" {value}") if value else ""}


def _map_values(step: Any, lang: _Lang) -> dict[str, str]:
    empty = "空" if lang.zh else "empty"
    pairs = (f"'{k}' → " + (empty if v is None else f"'{v}'") for k, v in step.mapping.items())
    return {"mapping": ("，" if lang.zh else ", ").join(pairs), "other": lang.word(step.other)}


_SLOTS: dict[str, Callable[[Any, _Lang], dict[str, str]]] = {
    "cast": lambda step, lang: {"to": lang.word(step.to)},
    "case": lambda step, lang: {"mode": lang.word(step.mode)},
    "fill": _fill,
    "drop_duplicates": _drop_duplicates,
    "filter": _filter,
    "split": lambda step, lang: {"into": lang.names(step.into)},
    "merge": lambda step, lang: {"columns": lang.names(step.columns)},
    "map_values": _map_values,
    "derive": lambda step, _lang: {"expression": step.expression.strip()},
}


def _quoted(values: Any) -> str:
    """Values as a user typed them: text in quotes, numbers bare."""
    items = values if isinstance(values, (list, tuple)) else (values,)
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in items)
