"""Shared widgets: KPI cards and metric definitions, formatted in the user's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import streamlit as st

from semantic.model import SemanticModel
from viz.format import format_change, format_value
from viz.i18n import t
from workspace import clock


def kpi_row(model: SemanticModel, frame: pl.DataFrame, metrics: list[str], lang: str, per_row: int = 3,
            labels: dict[str, str] | None = None) -> None:
    """One card per metric with its change against the comparison columns (`m__change_pct`); `labels` renames
    a card where its neighbours could mislead (Home's ROAS beside all-orders revenue)."""
    row = frame.row(0, named=True) if frame.height else {}
    columns = [c for start in range(0, len(metrics), per_row) for c in st.columns(per_row)]
    for column, name in zip(columns, metrics, strict=False):
        metric = model.metrics[name]
        change = row.get(f"{name}__change_pct")
        label = (labels or {}).get(name, metric.label(lang))
        column.metric(label, format_value(row.get(name), metric.format, lang, model.currency),
                      delta=format_change(change, lang) if change is not None else None,
                      delta_color="normal" if metric.higher_is_better else "inverse",
                      help=metric.description(lang), border=True)


def definitions(model: SemanticModel, metrics: list[str], lang: str, sqls: list[str]) -> None:
    """What each metric means and the SQL that computed it: trust needs both one click away."""
    with st.expander(t("home.definitions", lang)):
        for name in metrics:
            metric = model.metrics[name]
            st.markdown(f"**{metric.label(lang)}** (`{name}`): {metric.description(lang)}  \n"
                        f"`{model.definition(name)}`")
    with st.expander(t("home.sql", lang)):
        for sql in sqls:
            st.code(sql, language="sql")


def localized_choice(widget: Callable[..., Any], label: str, options: Sequence[Any], key: str, lang: str,
                     format_func: Callable[[Any], str], default: Any = None, **kwargs: Any) -> Any:
    """A select/radio whose option texts follow the language, keeping the user's choice across a switch.

    Streamlit keeps a keyed widget's displayed text from its first run, so the widget is keyed
    per language and the choice itself is kept under `key`.
    """
    remembered = st.session_state.get(key, default if default is not None else options[0])
    index = list(options).index(remembered) if remembered in options else 0
    chosen = widget(label, options, index=index, format_func=format_func, key=f"{key}_{lang}", **kwargs)
    st.session_state[key] = chosen
    return chosen


def local_time(moment: dt.datetime) -> str:
    """A stored moment (UTC) as the team reads it: on the workspace's clock, to the minute."""
    return clock.local(moment).strftime("%Y-%m-%d %H:%M")
