"""Ask: a chat that answers plain-language questions, in English or Chinese, through the semantic layer."""

from __future__ import annotations

import streamlit as st

from semantic.answer import check_tables
from semantic.nlq.ask import data_last_day
from ui import ask_chat, resources
from ui.shown import shown_errors
from ui.state import session
from viz.format import format_date
from viz.i18n import t
from workspace.settings import Settings

lang = session().lang

st.title(t("ask.title", lang))
with shown_errors(lang):
    model = resources.model()
    engine = resources.engine_for(model)
    check_tables(model, engine)
    ask_chat.keep_to_model(model.name)
    st.caption(t("ask.subtitle", lang, model=model.label(lang)))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        engine_name, llm_off = ask_chat.engine_choice(lang)
    if llm_off:
        st.caption(t("ask.llm_unavailable", lang))
    chosen_day = Settings(resources.workspace().home).reference_date()  # set on the Settings page
    last_day = data_last_day(model, engine)
    if chosen_day is not None:
        st.caption(t("settings.ask_caption", lang, date=format_date(chosen_day, lang)))
    elif last_day is not None:
        st.caption(t("ask.as_of", lang, date=format_date(last_day, lang)))
    typed = st.chat_input(t("ask.placeholder", lang), key="ask_input", max_chars=500)
    ask_chat.handle(typed, model, engine, engine_name, lang)
    right.button(t("ask.clear", lang), on_click=ask_chat.clear, icon=":material/restart_alt:",
                 disabled=not session().ask_history, key="ask_clear", width="stretch")
    if not session().ask_history:
        ask_chat.example_chips(lang)
    for index, answer in enumerate(session().ask_history):
        ask_chat.show_turn(index, answer, model, lang)
