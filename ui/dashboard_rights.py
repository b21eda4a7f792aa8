"""The server-side check every dashboard change makes before it writes: the signed-in user may edit this board.

Buttons are drawn only for those who may edit, but a handler never trusts that: it asks here again,
and the page stops with the refusal in the user's language.
"""

from __future__ import annotations

import streamlit as st

from ui import resources
from ui.auth import current_user, require
from ui.state import session
from viz.i18n import t
from workspace.dashboard_access import can_edit
from workspace.dashboards import Dashboard, DashboardStore
from workspace.users import User


def may_edit(board: Dashboard) -> bool:
    """For drawing controls: whether the signed-in user may change `board`."""
    return can_edit(current_user(), board)


def editor_of(board_id: str) -> User:
    """The signed-in user, who must be allowed to build dashboards and to change this one (as stored now)."""
    user = require("build_dashboards")
    board = DashboardStore(resources.workspace()).get(board_id)
    if not can_edit(user, board):
        st.error(t("explore.dashboards_page.cannot_edit", session().lang, user=user.username))
        st.stop()
    return user
