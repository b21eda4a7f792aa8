"""One Ask answer on screen: what was understood, the number or table, the chart, and how it was computed.

Trust comes first, so every answer shows its restatement, the readings taken
(with the other readings one click away), the SQL and the metric definitions,
and lets the user mark it right or wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from semantic.model import SemanticModel
from semantic.nlq.ask import Answer, answer_headline, readable_table
from ui.ask_pin import pin_answer
from ui.explore_state import as_link
from ui.widgets import kpi_row
from viz.describe import describe
from viz.format import format_value
from viz.i18n import t

EXPLORE_PAGE = Path(__file__).resolve().parent.parent / "app_pages" / "explore.py"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~])")


def plain(text: str) -> str:
    """Text shown through markdown exactly as typed: a '$' in a question must not start a formula."""
    return _MARKDOWN.sub(r"\\\1", text)


def show_reading(answer: Answer, index: int, model: SemanticModel, lang: str,
                 on_reading: Callable[[int, int], None]) -> None:
    """The restatement, the notes on readings taken, and the other readings as buttons."""
    reading = answer.interpretation
    if answer.understood:
        st.markdown(f"**{plain(t('ask.understood', lang, text=answer.understood))}**")
    for note in reading.notes:
        st.caption(plain(note))
    if answer.error:
        st.error(answer.error)
    elif not reading.answered:
        st.info(reading.clarification or t("ask.not_answered", lang))
    if reading.alternatives:
        st.caption(t("ask.alternatives", lang))
    for number, other in enumerate(reading.alternatives):
        st.button(describe(other, model, lang), key=f"ask_alt_{index}_{number}", icon=":material/swap_horiz:",
                  on_click=on_reading, args=(index, number))


def show_result(answer: Answer, index: int, model: SemanticModel, lang: str) -> None:
    """A single number as KPI cards, anything else as a formatted table, then the chart and the details."""
    result, query = answer.result, answer.interpretation.query
    if result is None:
        return
    frame, line = result.frame, answer_headline(answer, model, lang)
    if line:
        st.markdown(f"**{plain(line)}**")
    if frame.height == 0:
        st.info(t("ask.no_rows", lang))
    elif query is None:
        st.dataframe(frame, hide_index=True, width="stretch")
    elif frame.height == 1 and query.metrics:  # one number (or one row, e.g. "only Tmall"): KPI cards
        kpi_row(model, frame, list(query.metrics), lang, per_row=max(3, len(query.metrics)))
    else:
        st.dataframe(readable_table(frame, query, model, lang), hide_index=True, width="stretch")
    if result.truncated:
        st.caption(t("ask.truncated", lang, count=format_value(frame.height, "integer", lang, full=True)))
    if answer.chart is not None:
        st.plotly_chart(answer.chart, width="stretch", config={"displaylogo": False}, key=f"ask_chart_{index}")
    details(answer, model, lang)


def details(answer: Answer, model: SemanticModel, lang: str) -> None:
    """The SQL that ran and what each metric means, one click away."""
    assert answer.result is not None
    with st.expander(t("ask.details", lang), icon=":material/code:"):
        for name, formula in answer.definitions.items():
            metric = model.metrics[name]
            st.markdown(f"**{plain(metric.label(lang))}** (`{name}`): {plain(metric.description(lang))}  \n"
                        f"`{formula}`")
        st.code(answer.result.compiled.sql, language="sql")


def show_actions(answer: Answer, index: int, model: SemanticModel, mark: str | None, lang: str,
                 on_mark: Callable[[int, str], None]) -> None:
    """Correct / Wrong (saved, so Ask learns), Open in Explore and Pin to dashboard."""
    if answer.result is None:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):  # one row, centred on a line
        st.button(t("ask.correct", lang), key=f"ask_right_{index}", icon=":material/thumb_up:",
                  on_click=on_mark, args=(index, "right"), type="primary" if mark == "right" else "secondary")
        st.button(t("ask.wrong", lang), key=f"ask_wrong_{index}", icon=":material/thumb_down:",
                  on_click=on_mark, args=(index, "wrong"), type="primary" if mark == "wrong" else "secondary")
        query = answer.interpretation.query
        if query is not None:
            # named as the navigation names the page: "Open in Explore" / "在自助分析中打开"
            st.page_link(EXPLORE_PAGE, label=t("ask.open_explore", lang, page=t("explore.nav", lang)),
                         icon=":material/open_in_new:", query_params={"q": as_link(query)})
            pin_answer(answer, index, model, lang)
    if mark:
        st.caption(t(f"ask.marked_{mark}", lang))
