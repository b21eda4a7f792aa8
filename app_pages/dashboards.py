"""Dashboards: the list, one dashboard with filters and linked tiles, editing with versions, sharing, exports.

`?dashboard=ID` opens a dashboard; `&link=TOKEN` opens it read-only, as a share link does.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from errors import ShareLinkError
from semantic.answer import check_tables
from ui import resources
from ui.auth import current_policy
from ui.dashboard_list import board_list
from ui.dashboard_view import Context, show_board
from ui.state import session
from viz.i18n import t
from workspace.dashboards import DashboardStore
from workspace.demo_dashboards import ensure_demo_dashboards
from workspace.share_links import link_message

lang = session().lang


def render() -> None:
    model = resources.model()
    engine = resources.engine_for(model)
    check_tables(model, engine)
    store = DashboardStore(resources.workspace())
    if "dash_demo_checked" not in st.session_state:
        ensure_demo_dashboards(resources.workspace(), model)
        st.session_state["dash_demo_checked"] = True
    if "dash_notice" in st.session_state:
        st.toast(st.session_state.pop("dash_notice"), icon=":material/check_circle:")
    ctx = Context(store, model, engine, lang, current_policy())
    board_id, token = st.query_params.get("dashboard"), st.query_params.get("link")
    if token:
        try:
            board, filters = store.resolve_link(token)
        except ShareLinkError as err:
            st.error(link_message(err, lang))
            return
        frozen = store.link(token).policy  # the owner's policy, when they froze it in the link explicitly
        show_board(replace(ctx, policy=frozen) if frozen is not None else ctx, board, read_only=True,
                   defaults=filters)
    elif board_id:
        show_board(ctx, store.get(board_id), read_only=False)
    else:
        st.title(t("explore.dashboards_page.title", lang))
        st.caption(t("explore.dashboards_page.subtitle", lang))
        board_list(store, lang)


with resources.shown_errors(lang):
    render()
