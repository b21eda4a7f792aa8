"""Explore: build a chart from governed metrics without code; the URL is always a link to it."""

from __future__ import annotations

import streamlit as st

from semantic.answer import check_tables, run_query
from semantic.model import SemanticModel
from ui import explore_state, resources
from ui.auth import current_policy
from ui.explore_builder import build_query
from ui.explore_result import show_result
from ui.governed import audit_view
from ui.shown import shown_errors
from ui.state import session
from viz.i18n import t

lang = session().lang


def render(model: SemanticModel) -> None:
    engine = resources.engine_for(model)
    check_tables(model, engine)
    query, link_error = explore_state.current(model)
    if link_error:
        st.error(t("explore.link_error", lang, message=link_error))
    controls, canvas = st.columns([1, 2.6], gap="large")
    with controls:
        built = build_query(model, engine, query, lang)
    with canvas, shown_errors(lang):
        if built is None:
            st.info(t("explore.empty", lang))
            return
        explore_state.publish(built, explore_state.chart_choice())
        result = run_query(built, model, engine, current_policy())
        audit_view("explore", result)
        show_result(built, result, model, engine, lang)


st.title(t("explore.title", lang))
with shown_errors(lang):
    current = resources.model()
    st.caption(t("explore.subtitle", lang, model=current.label(lang)))
    render(current)
