"""Sharing and exporting a dashboard: with users and roles (ui/dashboard_grants.py), read-only links (expiring,
revocable), HTML/PDF of the board, PNG of a tile. Only the owner or an admin gets the Share panel, and each
of its handlers checks that again; the store writes each link made or revoked to the audit log with the change.

Exports are produced only when the download is clicked (Streamlit calls the function then), so an open
dashboard does not render PDFs on every rerun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, Policy
from ui.auth import current_policy, require
from ui.dashboard_grants import grants_panel
from ui.dashboard_rights import editor_of
from ui.governed import record_event
from viz.export import export_dashboard
from viz.format import format_date
from viz.i18n import t
from workspace import clock
from workspace.dashboards import Dashboard, DashboardStore
from workspace.share_links import link_query

EXPIRY_DAYS = (0, 1, 7, 30)


def share_url(board_id: str, token: str | None, filters: tuple[Filter, ...], lang: str) -> str:
    """The app's address of the dashboard page with the board, the link token, the filters and the language."""
    base = (st.context.url or "").split("?")[0]
    page = base if base.rstrip("/").endswith("dashboards") else base.rstrip("/") + "/dashboards"
    return f"{page}?{urlencode({**link_query(board_id, token, filters), 'lang': lang})}"


def share_panel(store: DashboardStore, board: Dashboard, filters: tuple[Filter, ...], lang: str) -> None:
    """Share with a user or a role; make a link with the current filters, see every link's state, revoke one."""
    with st.popover(t("explore.dashboards_page.share", lang), icon=":material/share:"):
        grants_panel(board, lang)
        st.divider()
        st.markdown(f"**{t('explore.dashboards_page.links_heading', lang)}**")
        days = st.selectbox(t("explore.dashboards_page.expires", lang), EXPIRY_DAYS, key=f"dash_expiry_{lang}",
                            format_func=lambda d: t("explore.dashboards_page.expires_never", lang) if d == 0
                            else t("explore.dashboards_page.expires_days", lang, n=d))
        freeze = st.checkbox(t("explore.dashboards_page.freeze_policy", lang), key="dash_freeze_policy")
        if st.button(t("explore.dashboards_page.make_link", lang), type="primary", key="dash_make_link"):
            require("share")
            user = editor_of(board.id)
            expires = clock.now() + dt.timedelta(days=days) if days else None
            token = store.create_link(board.id, filters, expires_at=expires,
                                      frozen_policy=current_policy() if freeze else None, by=user.username)
            st.session_state["dash_new_link"] = share_url(board.id, token, filters, lang)
        if "dash_new_link" in st.session_state:
            st.caption(t("explore.dashboards_page.link_ready", lang))
            st.code(st.session_state["dash_new_link"], language=None, wrap_lines=True)
        _links(store, board, lang)


def _links(store: DashboardStore, board: Dashboard, lang: str) -> None:
    now = clock.now()
    for info in store.links(board.id):
        state = info.state(now)
        when = format_date(clock.local(info.expires_at).date(), lang) if info.expires_at else \
            t("explore.dashboards_page.expires_never", lang)
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.caption(t(f"explore.dashboards_page.link_{state}", lang, token=info.token[:6], date=when))
        if state == "active" and button.button(":material/link_off:", key=f"dash_revoke_{info.token}",
                                               help=t("explore.dashboards_page.revoke", lang)):
            require("share")
            store.revoke_link(info.token, by=editor_of(board.id).username)
            st.rerun()


def _export(board: Dashboard, model: SemanticModel, engine: Engine, fmt: str, lang: str,
            filters: tuple[Filter, ...], policy: Policy, tile: int | None = None) -> Callable[[], bytes]:
    """The export made when the download is taken: under the dashboard's viewing policy, and audited."""
    def made() -> bytes:
        data = export_dashboard(board, model, engine, fmt, lang, filters, tile, policy)
        record_event("export", {"what": "dashboard", "dashboard": board.id, "format": fmt, "tile": tile})
        return data
    return made


_DOCUMENTS = {"html": (":material/html:", "text/html"), "pdf": (":material/picture_as_pdf:", "application/pdf")}


def export_buttons(board: Dashboard, model: SemanticModel, engine: Engine, filters: tuple[Filter, ...],
                   lang: str, policy: Policy) -> None:
    """HTML and PDF of the whole dashboard, with the filters in force."""
    stem = f"beacon-dashboard-{board.id}"
    for fmt in _DOCUMENTS:
        icon, mime = _DOCUMENTS[fmt]
        st.download_button(t(f"explore.dashboards_page.export_{fmt}", lang),
                           _export(board, model, engine, fmt, lang, filters, policy), file_name=f"{stem}.{fmt}",
                           mime=mime,
                           icon=icon, key=f"dash_export_{fmt}", on_click="ignore")


def tile_png_button(board: Dashboard, model: SemanticModel, engine: Engine, filters: tuple[Filter, ...],
                    index: int, lang: str, policy: Policy) -> None:
    """A small PNG download under a chart tile."""
    tile = board.tiles[index]
    st.download_button(t("explore.dashboards_page.export_png", lang),
                       _export(board, model, engine, "png", lang, filters, policy, index),
                       file_name=f"beacon-tile-{tile.id}.png", mime="image/png", icon=":material/image:",
                       key=f"dash_png_{tile.id}", on_click="ignore", type="tertiary")
