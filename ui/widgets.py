"""Shared widgets: KPI cards and metric definitions, formatted in the user's language."""

from __future__ import annotations

import polars as pl
import streamlit as st

from semantic.model import SemanticModel
from viz.format import format_change, format_value
from viz.i18n import t


def kpi_row(model: SemanticModel, frame: pl.DataFrame, metrics: list[str], lang: str) -> None:
    """One card per metric with its change against the comparison columns (`m__change_pct`)."""
    row = frame.row(0, named=True) if frame.height else {}
    for column, name in zip(st.columns(len(metrics)), metrics, strict=True):
        metric = model.metrics[name]
        change = row.get(f"{name}__change_pct")
        column.metric(metric.label(lang), format_value(row.get(name), metric.format, lang, model.currency),
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
