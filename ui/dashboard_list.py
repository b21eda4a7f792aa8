"""The list of dashboards the signed-in user may open ("Mine", "Shared with me"; an admin also sees everyone
else's), and a new one from scratch for those who may build dashboards."""

from __future__ import annotations

import streamlit as st

from ui import resources
from ui.auth import allowed
from ui.dashboard_text import plain
from ui.explore_pin import builder
from viz.i18n import t
from workspace.dashboard_access import grouped
from workspace.dashboards import Dashboard, DashboardStore, localized
from workspace.users import User


def open_board(board_id: str | None) -> None:
    """Show a dashboard (or, with None, the list); the URL keeps only the language."""
    kept = st.query_params.get("lang")
    st.query_params.clear()
    if kept:
        st.query_params["lang"] = kept
    if board_id:
        st.query_params["dashboard"] = board_id


def _card(board: Dashboard, lang: str, mine: bool) -> None:
    with st.container(border=True, height=210):
        st.markdown(f"**{plain(localized(board.title, lang))}**")
        st.caption(plain(localized(board.description, lang)) or t("explore.dashboards_page.no_description", lang))
        charts = sum(1 for tile in board.tiles if tile.query is not None)
        meta = t("explore.dashboards_page.card_meta", lang, tiles=charts, version=board.version)
        owner = "" if mine else " · " + t("explore.dashboards_page.owned_by", lang, owner=plain(board.owner))
        st.caption(meta + owner)
        st.button(t("explore.dashboards_page.open", lang), key=f"dash_open_{board.id}", on_click=open_board,
                  args=(board.id,), icon=":material/open_in_new:")


def _cards(boards: list[Dashboard], lang: str, mine: bool) -> None:
    for start in range(0, len(boards), 3):
        for column, board in zip(st.columns(3), boards[start:start + 3], strict=False):
            with column:
                _card(board, lang, mine)


def board_list(store: DashboardStore, user: User, lang: str) -> None:
    """The dashboards `user` may open, by group, as cards three to a row; and the form for a new one."""
    groups = grouped(resources.workspace(), user)
    if not any(groups.values()):
        st.info(t("explore.dashboards_page.none_yet", lang))
    for name, boards in groups.items():
        if boards:
            st.subheader(t(f"explore.dashboards_page.group_{name}", lang))
            _cards(boards, lang, mine=name == "mine")
    if allowed("build_dashboards"):
        _new_form(store, lang)


def _new_form(store: DashboardStore, lang: str) -> None:
    with st.form("dash_new", border=True):
        st.markdown(f"**{t('explore.dashboards_page.new', lang)}**")
        title = st.text_input(t("explore.dashboards_page.title_field", lang), key="dash_new_title")
        description = st.text_input(t("explore.dashboards_page.description_field", lang), key="dash_new_desc")
        if st.form_submit_button(t("explore.dashboards_page.create", lang), type="primary"):
            if not title.strip():
                st.warning(t("explore.name_required", lang))
                return
            board = store.create(title.strip(), owner=builder(), description=description.strip())
            open_board(board.id)
            st.rerun()
