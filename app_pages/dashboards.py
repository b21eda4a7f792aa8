"""Dashboards: the list, one dashboard with filters and linked tiles, editing with versions, sharing, exports.

`?dashboard=ID` opens a dashboard the signed-in user may view (their own, one shared with them or
their role, any as an admin) and refuses any other in words; `&link=TOKEN` opens the link's dashboard
read-only, as a share link does.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from errors import PermissionDeniedError, ShareLinkError
from semantic.answer import check_tables
from ui import resources
from ui.auth import current_policy, current_user, log_refusal
from ui.dashboard_list import board_list
from ui.dashboard_view import Context, show_board
from ui.shown import shown_errors
from ui.state import session
from viz.i18n import t
from workspace.dashboard_access import can_edit, viewable
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
            log_refusal({"link": token[:6], "reason": str(err)})
            st.error(link_message(err, lang))
            return
        frozen = store.link(token).policy  # the owner's policy, when they froze it in the link explicitly
        # the frozen policy narrows the viewer's, never replaces it: a link cannot widen anyone's access
        policy = ctx.policy.combined(frozen) if frozen is not None else ctx.policy
        show_board(replace(ctx, policy=policy, link=token), board, "link", defaults=filters)
    elif board_id:
        _open(ctx, board_id)
    else:
        st.title(t("explore.dashboards_page.title", lang))
        st.caption(t("explore.dashboards_page.subtitle", lang))
        board_list(store, current_user(), lang)


def _open(ctx: Context, board_id: str) -> None:
    """The dashboard, if the signed-in user may view it: editable for its owner and admins, else view only."""
    user = current_user()
    try:
        board = viewable(resources.workspace(), user, board_id)
    except PermissionDeniedError as err:
        log_refusal({"dashboard": board_id, "reason": str(err)})
        st.error(t("explore.dashboards_page.not_shared", lang, user=user.username))
        return
    show_board(ctx, board, "edit" if can_edit(user, board) else "view")


with shown_errors(lang):
    render()
