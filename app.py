"""Beacon's entry point: navigation, language and workspace in the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.state import session, set_language
from viz.i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="Beacon", page_icon=":material/cell_tower:", layout="wide")
state = session()
lang = state.lang

with st.sidebar:
    st.markdown(f"### {t('app.title', lang)}")
    st.caption(t("app.tagline", lang))
    choice = st.segmented_control(t("app.language", lang), options=list(LANGUAGES),
                                  format_func=LANGUAGES.__getitem__, default=lang, key="language_switch")
    if choice and choice != lang:
        set_language(choice)
        st.rerun()

pages = [
    st.Page(ROOT / "pages" / "home.py", title=t("nav.home", lang), icon=":material/home:",
            url_path="home", default=True),
]
st.navigation(pages).run()
