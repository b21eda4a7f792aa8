"""Settings: every workspace setting with its help, typed, checked and saved atomically; the LLM's key and test."""

from __future__ import annotations

import streamlit as st

from ui import auth, resources, settings_form, settings_llm
from ui.shown import shown_errors
from ui.state import session
from viz.i18n import t
from workspace.settings import Settings

lang = session().lang
user = auth.require("edit_settings").username  # checked on the server, whatever the navigation shows

st.title(t("settings.title", lang))
with shown_errors(lang):
    ws = resources.workspace()
    settings = Settings(ws.home)
    st.caption(t("settings.subtitle", lang, path=settings.path.name))
    sections = settings_form.section_names()
    form, llm = st.columns(2)
    with form:
        settings_form.section_form("llm", sections.pop("llm"), settings, user, lang)  # beside the key and test
    with llm, st.container(border=True):
        settings_llm.key_block(ws, user, lang)
        settings_llm.test_connection(ws, lang)
    rest = list(sections.items())
    for start in range(0, len(rest), 2):
        for column, (section, names) in zip(st.columns(2), rest[start:start + 2], strict=False):
            with column:
                settings_form.section_form(section, names, settings, user, lang)
