"""Campaign tables as a reader sees them: numbers by viz.format, values and headers in the user's language.

Every campaign table on the page goes through `shown`, so ¥1.23亿 and 天猫 in
Chinese and ¥123.5M and Tmall in English are written the same way in the list,
the review, the channel table and the alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import streamlit as st

from semantic.model import SemanticModel
from viz.format import format_change, format_date, format_value
from viz.i18n import t

WORDS = {"status": "campaigns.status", "pacing_status": "campaigns.pacing", "event_type": "campaigns.step",
         "buyer_type": "campaigns.buyer_type", "level": "campaigns.level"}
PLOTLY = {"displaylogo": False}
# Columns computed from figures a data policy may not let a user see (spend and budget under a regional policy).
DERIVED = {"budget_used": ("budget", "spend"), "pacing": ("budget", "spend"), "pacing_status": ("budget", "spend"),
           "cost_per_new_buyer": ("spend",), "budget_share": ("budget",), "spend_share": ("spend",)}


def visible(columns: Sequence[str], hidden: Sequence[str]) -> list[str]:
    """The columns left once the figures in `hidden`, and every column computed from them, are taken out."""
    return [c for c in columns if c not in hidden and not set(DERIVED.get(c, ())) & set(hidden)]


def header(column: str, model: SemanticModel, lang: str) -> str:
    """A column's title: the model's metric or dimension label, else the page's own text."""
    key = f"campaigns.col.{column}"
    own = t(key, lang)
    if own != key:
        return own
    found = model.metrics.get(column) or model.dimensions.get(column)
    return found.label(lang) if found else column


def cell(value: Any, column: str, fmt: str | None, model: SemanticModel, lang: str) -> str:
    """One value in words: a formatted number or date, a translated status, a model value's label."""
    if fmt == "change":
        return format_change(value, lang)
    if fmt is not None:
        return format_value(value, fmt, lang, model.currency)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if value is None:
        return format_value(None, "number", lang)
    if column in WORDS:
        return t(f"{WORDS[column]}.{value}", lang)
    dimension = model.dimensions.get(column)
    return dimension.value_label(value, lang) if dimension is not None else str(value)


def campaign_names(listing: pl.DataFrame, model: SemanticModel, lang: str) -> dict[str, str]:
    """Each campaign's id → its name as the reader calls it (2025 618 年中大促 in Chinese), for pickers and captions."""
    dimension = model.dimensions.get("campaign_name")
    return {i: dimension.value_label(n, lang) if dimension is not None else str(n)
            for i, n in zip(listing["campaign_id"].to_list(), listing["campaign_name"].to_list(), strict=True)}


def shown(frame: pl.DataFrame, model: SemanticModel, lang: str, formats: dict[str, str] | None = None,
          keep: Sequence[str] = (), labels: dict[str, str] | None = None) -> pl.DataFrame:
    """The frame with every cell as text (except `keep` columns, e.g. progress bars) and headers translated.

    `formats` maps a column to a viz.format format or "change"; metric columns default to the metric's format.
    `labels` overrides a column's title.
    """
    formats = formats or {}
    columns = []
    for column in frame.columns:
        if column in keep:
            columns.append(frame[column])
            continue
        fmt = formats.get(column) or (model.metrics[column].format if column in model.metrics else None)
        columns.append(pl.Series(column, [cell(v, column, fmt, model, lang) for v in frame[column].to_list()],
                                 dtype=pl.String))
    titles = {c: (labels or {}).get(c) or header(c, model, lang) for c in frame.columns}
    return pl.DataFrame(columns).rename(titles)


def table(frame: pl.DataFrame, model: SemanticModel, lang: str, formats: dict[str, str] | None = None,
          **kwargs: Any) -> None:
    """A formatted, translated table without the row index."""
    st.dataframe(shown(frame, model, lang, formats, kwargs.pop("keep", ()), kwargs.pop("labels", None)),
                 hide_index=True, **kwargs)


def date_span(start: dt.date, end: dt.date, lang: str) -> str:
    """A campaign's dates, short enough for a list: 'May 25 – Jun 20, 2025' / '2025/5/25–6/20'."""
    if lang == "zh":
        tail = f"{end.year}/{end.month}/{end.day}" if start.year != end.year else f"{end.month}/{end.day}"
        return f"{start.year}/{start.month}/{start.day}–{tail}"
    if start.year != end.year:
        return f"{format_date(start, lang)} – {format_date(end, lang)}"
    return f"{start.strftime('%b %-d')} – {format_date(end, lang)}"


def localized_multi(label: str, options: Sequence[Any], key: str, lang: str,
                    format_func: Callable[[Any], str]) -> list[Any]:
    """A multiselect whose option texts follow the language, keeping the chosen values across a switch."""
    remembered = [o for o in st.session_state.get(key, []) if o in options]
    chosen = st.multiselect(label, options, default=remembered, format_func=format_func, key=f"{key}_{lang}",
                            placeholder=t("campaigns.filter.all", lang))
    st.session_state[key] = chosen
    return chosen
