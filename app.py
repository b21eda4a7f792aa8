"""Beacon's entry point: navigation, language and workspace in the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import resources
from ui.state import session, set_language
from ui.widgets import localized_choice
from viz.i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parent



def _on_language_change() -> None:
    """Runs before the rerun, so the whole page is drawn in the new language."""
    set_language(st.session_state["language_switch"])


st.set_page_config(page_title="Beacon", page_icon=":material/cell_tower:", layout="wide")
lang = session().lang

with st.sidebar:
    st.markdown(f"### {t('app.title', lang)}")
    st.caption(t("app.tagline", lang))
    st.segmented_control(t("app.language", lang), options=list(LANGUAGES), format_func=LANGUAGES.__getitem__,
                         default=lang, required=True, key="language_switch", on_change=_on_language_change)
    models = resources.workspace().model_names()
    if session().model not in models:
        session().model = "demo"
    session().model = localized_choice(st.selectbox, t("app.model", lang), models, "model_picker", lang,
                                       lambda name: resources.model_label(name, lang), default=session().model)

pages = [
    st.Page(ROOT / "app_pages" / "home.py", title=t("nav.home", lang), icon=":material/home:",
            url_path="home", default=True),
    st.Page(ROOT / "app_pages" / "ask.py", title=t("ask.nav", lang), icon=":material/chat:", url_path="ask"),
    st.Page(ROOT / "app_pages" / "explore.py", title=t("explore.nav", lang), icon=":material/bar_chart:",
            url_path="explore"),
    st.Page(ROOT / "app_pages" / "dashboards.py", title=t("explore.dashboards_page.nav", lang),
            icon=":material/dashboard:", url_path="dashboards"),
    st.Page(ROOT / "app_pages" / "segments.py", title=t("segments.nav", lang), icon=":material/groups:",
            url_path="segments"),
    st.Page(ROOT / "app_pages" / "data.py", title=t("nav.data", lang), icon=":material/database:", url_path="data"),
]
st.navigation(pages).run()
