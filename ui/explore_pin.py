"""'Pin to dashboard': save the chart on screen as a tile of an existing or a new dashboard."""

from __future__ import annotations

import streamlit as st

from semantic.model import SemanticModel
from semantic.query import SemanticQuery
from ui import resources
from ui.auth import current_user, require
from ui.dashboard_rights import editor_of
from viz.chart_spec import ChartSpec
from viz.i18n import t
from viz.labels import query_title
from workspace.dashboard_access import can_edit, visible_to
from workspace.dashboards import DashboardStore, add_tile, localized, new_tile

NEW = "__new__"


def builder() -> str:
    """The signed-in user, whose role must allow building dashboards (checked here, on the server): the owner
    of a dashboard they create and the author of every version they save."""
    return require("build_dashboards").username


def pin(store: DashboardStore, dashboard_id: str, name: str, title: str, query: SemanticQuery,
        spec: ChartSpec) -> tuple[str, str]:
    """Add the tile and save; returns (dashboard id, title). A new dashboard is created first; an existing one
    must be the user's to change (checked here, whatever the list offered)."""
    owner = builder() if dashboard_id == NEW else editor_of(dashboard_id).username
    board = store.create(name.strip(), owner=owner) if dashboard_id == NEW else store.get(dashboard_id)
    tile = new_tile(title.strip() or "-", query=query, chart=ChartSpec(spec.kind, spec.x, spec.y, spec.color))
    saved = store.save(add_tile(board, tile), base_version=board.version, saved_by=owner)
    return saved.id, saved.title


def pinnable(lang: str) -> dict[str, str]:
    """The dashboards the signed-in user may change, id → title: the only ones a chart can be pinned to."""
    user = current_user()
    return {board.id: localized(board.title, lang) for board in visible_to(resources.workspace(), user)
            if can_edit(user, board)}


def pin_button(query: SemanticQuery, spec: ChartSpec, model: SemanticModel, lang: str) -> None:
    """A popover that pins the current chart; after pinning, a link opens the dashboard."""
    store = DashboardStore(resources.workspace())
    boards = pinnable(lang)
    with st.popover(t("explore.pin", lang), icon=":material/push_pin:"):
        options = [*boards, NEW]
        chosen = st.selectbox(t("explore.pin_dashboard", lang), options, key=f"explore_pin_board_{lang}",
                              format_func=lambda i: boards.get(i, t("explore.pin_new", lang)))
        name = st.text_input(t("explore.pin_new_name", lang), key="explore_pin_name") if chosen == NEW else ""
        title = st.text_input(t("explore.pin_tile_title", lang), value=query_title(query, model, lang))
        if st.button(t("explore.pin_button", lang), type="primary", key="explore_pin_go"):
            if chosen == NEW and not name.strip():
                st.warning(t("explore.name_required", lang))
                return
            st.session_state["explore_pinned"] = pin(store, chosen, name, title, query, spec)
        if "explore_pinned" in st.session_state:
            board_id, board_title = st.session_state["explore_pinned"]
            st.success(t("explore.pinned", lang, dashboard=localized(board_title, lang)))
            st.page_link("app_pages/dashboards.py", label=t("explore.open_dashboard", lang),
                         icon=":material/dashboard:", query_params={"dashboard": board_id})
