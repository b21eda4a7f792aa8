"""Pin an Ask answer to a dashboard: its semantic query and chart become a tile that refreshes with the data.

The tile is saved by Explore's `pin`, so a pinned answer and a pinned chart are the same kind of tile.
"""

from __future__ import annotations

import streamlit as st

from semantic.model import SemanticModel
from semantic.nlq.ask import Answer
from ui import resources
from ui.explore_pin import NEW, pin, pinnable
from viz.i18n import t
from viz.suggest import suggest_chart
from workspace.dashboards import DashboardStore, localized


def pin_answer(answer: Answer, index: int, model: SemanticModel, lang: str) -> None:
    """A popover: choose a dashboard (or a new one) and pin; the answer's restatement is the tile's title."""
    query, result = answer.interpretation.query, answer.result
    if query is None or result is None:
        return
    store = DashboardStore(resources.workspace())
    boards = pinnable(lang)
    with st.popover(t("ask.pin", lang), icon=":material/push_pin:"):
        chosen = st.selectbox(t("ask.pin_to", lang), [*boards, NEW], key=f"ask_pin_board_{index}_{lang}",
                              format_func=lambda board: boards.get(board, t("ask.pin_new", lang)))
        if st.button(t("ask.pin_button", lang), type="primary", key=f"ask_pin_go_{index}"):
            _, title = pin(store, chosen, t("ask.pin_new", lang), answer.understood, query,
                           suggest_chart(query, result.frame, model))
            st.success(t("ask.pinned", lang, dashboard=localized(title, lang)))
