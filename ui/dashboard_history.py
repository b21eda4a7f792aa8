"""A dashboard's version history: every save listed; an old version can be viewed, and restored as a new one.

Versions are stamped in UTC and listed on the workspace's clock (workspace.clock).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui.dashboard_rights import editor_of
from ui.dashboard_text import plain
from viz.i18n import t
from workspace import clock
from workspace.dashboards import Dashboard, DashboardStore, localized

_VIEWING = "dash_viewing"


def viewed_version(board_id: str) -> int | None:
    """The old version this session is looking at, or None for the latest."""
    return st.session_state.get(_VIEWING, {}).get(board_id)


def _view(board_id: str, version: int | None) -> None:
    st.session_state.setdefault(_VIEWING, {})[board_id] = version


def history_panel(store: DashboardStore, board: Dashboard, lang: str) -> None:
    """The list of versions, newest first, with view and restore buttons."""
    with st.expander(t("explore.dashboards_page.history", lang), icon=":material/history:"):
        zone = clock.zone()
        for info in store.versions(board.id):
            text, view, restore = st.columns([5, 1, 1], vertical_alignment="center")
            text.markdown(t("explore.dashboards_page.version_line", lang, version=info.version,
                            title=plain(localized(info.title, lang)), who=plain(info.saved_by),
                            when=dt.datetime.fromisoformat(info.saved_at).astimezone(zone).strftime("%Y-%m-%d %H:%M")))
            if info.version == board.version:
                view.caption(t("explore.dashboards_page.latest", lang))
                continue
            view.button(t("explore.dashboards_page.view", lang), key=f"dash_view_{info.version}",
                        on_click=_view, args=(board.id, info.version))
            if restore.button(t("explore.dashboards_page.restore", lang), key=f"dash_restore_{info.version}"):
                store.restore(board.id, info.version, saved_by=editor_of(board.id).username)
                _view(board.id, None)
                st.session_state["dash_notice"] = t("explore.dashboards_page.restored", lang, version=info.version)
                st.rerun()


def old_version_banner(board: Dashboard, lang: str) -> None:
    """Say which old version is on screen, with the way back to the latest."""
    text, back = st.columns([4, 1], vertical_alignment="center")
    text.info(t("explore.dashboards_page.viewing_old", lang, version=board.version))
    back.button(t("explore.dashboards_page.back_latest", lang), key="dash_back_latest", on_click=_view,
                args=(board.id, None))
