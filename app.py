"""Beacon's entry point: sign-in, navigation by role, language and workspace in the sidebar.

Nobody sees a page, or even the list of pages, before signing in (unless the workspace is an open
demo). Every page names the action it needs; the navigation shows only the pages the user's role
allows, and the chosen page is checked on the server before it runs, so a page typed into the
address bar is refused in words rather than shown.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, resources
from ui.state import session, set_language
from ui.widgets import localized_choice
from viz.i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parent


def _on_language_change() -> None:
    """Runs before the rerun, so the whole page is drawn in the new language."""
    set_language(st.session_state["language_switch"])


def _page(file: str, title: str, icon: str, url_path: str, action: str, default: bool = False) -> st.Page:
    """A page the navigation lists only when the user's role allows `action` (PAGE_ACTIONS keeps it for the check)."""
    visible = "visible" if auth.allowed(action) else "hidden"
    page = st.Page(ROOT / "app_pages" / file, title=title, icon=icon, url_path=url_path, default=default,
                   visibility=visible)
    PAGE_ACTIONS[page.url_path] = action
    return page


st.set_page_config(page_title="Beacon", page_icon=":material/cell_tower:", layout="wide")
auth.first_start()
lang = session().lang
signed_in = auth.is_signed_in()
PAGE_ACTIONS: dict[str, str] = {}

with st.sidebar:
    st.markdown(f"### {t('app.title', lang)}")
    st.caption(t("app.tagline", lang))
    st.segmented_control(t("app.language", lang), options=list(LANGUAGES), format_func=LANGUAGES.__getitem__,
                         default=lang, required=True, key="language_switch", on_change=_on_language_change)
    if signed_in:
        auth.sidebar_user(lang)
        models = resources.workspace().model_names()
        if session().model not in models:
            session().model = "demo"
        session().model = localized_choice(st.selectbox, t("app.model", lang), models, "model_picker", lang,
                                           lambda name: resources.model_label(name, lang),
                                           default=session().model)

pages = [
    _page("home.py", t("nav.home", lang), ":material/home:", "home", "view_dashboards", default=True),
    _page("ask.py", t("ask.nav", lang), ":material/chat:", "ask", "ask"),
    _page("explore.py", t("explore.nav", lang), ":material/bar_chart:", "explore", "explore"),
    _page("dashboards.py", t("explore.dashboards_page.nav", lang), ":material/dashboard:", "dashboards",
          "view_dashboards"),
    _page("segments.py", t("segments.nav", lang), ":material/groups:", "segments", "explore"),
    _page("campaigns.py", t("campaigns.nav", lang), ":material/campaign:", "campaigns", "view_dashboards"),
    _page("data.py", t("nav.data", lang), ":material/database:", "data", "load_data"),
    _page("settings.py", t("settings.nav", lang), ":material/settings:", "settings", "edit_settings"),
    _page("admin.py", t("access.nav", lang), ":material/admin_panel_settings:", "admin", "manage_users"),
]
chosen = st.navigation(pages, position="sidebar" if signed_in else "hidden")
if not signed_in:
    auth.sign_in_form(lang)
    st.stop()
auth.require(PAGE_ACTIONS[chosen.url_path])
chosen.run()
