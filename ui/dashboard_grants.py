"""The part of the Share panel that shares a dashboard with a user or a role, lists the shares and removes one.

The core (workspace/dashboard_access.py) checks again that the signed-in user may share this dashboard
and writes the audit entry; this module only draws the choices.
"""

from __future__ import annotations

import streamlit as st

from ui import resources
from ui.auth import current_user
from ui.dashboard_text import plain
from viz.i18n import t
from workspace.dashboard_access import Share, share_with, shares, unshare
from workspace.dashboards import Dashboard
from workspace.users import ROLES, list_users

KINDS = ("user", "role")


def _who(share: Share, lang: str) -> str:
    name = plain(share.grantee) if share.kind == "user" else t(f"access.role.{share.grantee}", lang)
    return t(f"explore.dashboards_page.shared_{share.kind}", lang, name=name, by=plain(share.granted_by),
             date=share.granted_at[:10])


def _pick(board: Dashboard, kind: str, lang: str) -> str | None:
    if kind == "role":
        return st.selectbox(t("explore.dashboards_page.share_role", lang), ROLES, key=f"dash_share_role_{lang}",
                            format_func=lambda r: t(f"access.role.{r}", lang))
    names = [u.username for u in list_users(resources.workspace()) if u.username != board.owner and not u.disabled]
    if not names:
        st.caption(t("explore.dashboards_page.no_users", lang))
        return None
    return st.selectbox(t("explore.dashboards_page.share_user", lang), names, key="dash_share_user")


def grants_panel(board: Dashboard, lang: str) -> None:
    """Share with a user or a role; every share with a button to stop it."""
    ws = resources.workspace()
    st.markdown(f"**{t('explore.dashboards_page.share_people', lang)}**")
    kind = st.radio(t("explore.dashboards_page.share_kind", lang), KINDS, horizontal=True,
                    key=f"dash_share_kind_{lang}", format_func=lambda k: t(f"explore.dashboards_page.kind_{k}", lang))
    grantee = _pick(board, kind, lang)
    if grantee and st.button(t("explore.dashboards_page.share_add", lang), key="dash_share_add",
                             icon=":material/person_add:"):
        share_with(ws, board.id, by=current_user(), **{kind: grantee})
        st.rerun()
    granted = shares(ws, board.id)
    if not granted:
        st.caption(t("explore.dashboards_page.no_shares", lang))
    for share in granted:
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.caption(_who(share, lang))
        if button.button(":material/person_remove:", key=f"dash_unshare_{share.kind}_{share.grantee}",
                         help=t("explore.dashboards_page.unshare", lang)):
            unshare(ws, board.id, by=current_user(), **{share.kind: share.grantee})
            st.rerun()
