"""The list of dashboards, and a new one from scratch."""

from __future__ import annotations

import streamlit as st

from ui.dashboard_text import plain
from ui.explore_pin import builder
from viz.i18n import t
from workspace.dashboards import Dashboard, DashboardStore, localized


def open_board(board_id: str | None) -> None:
    """Show a dashboard (or, with None, the list); the URL keeps only the language."""
    kept = st.query_params.get("lang")
    st.query_params.clear()
    if kept:
        st.query_params["lang"] = kept
    if board_id:
        st.query_params["dashboard"] = board_id


def _card(board: Dashboard, lang: str) -> None:
    with st.container(border=True, height=210):
        st.markdown(f"**{plain(localized(board.title, lang))}**")
        st.caption(plain(localized(board.description, lang)) or t("explore.dashboards_page.no_description", lang))
        charts = sum(1 for tile in board.tiles if tile.query is not None)
        st.caption(t("explore.dashboards_page.card_meta", lang, tiles=charts, version=board.version))
        st.button(t("explore.dashboards_page.open", lang), key=f"dash_open_{board.id}", on_click=open_board,
                  args=(board.id,), icon=":material/open_in_new:")


def board_list(store: DashboardStore, lang: str) -> None:
    """Every dashboard as a card, three to a row, and the form for a new one."""
    boards = store.list()
    if not boards:
        st.info(t("explore.dashboards_page.none_yet", lang))
    for start in range(0, len(boards), 3):
        for column, board in zip(st.columns(3), boards[start:start + 3], strict=False):
            with column:
                _card(board, lang)
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
