"""The Admin page's users panel: who may sign in, with which role; add, disable or enable, change role, reset password.

Every change goes through workspace.users (argon2 hashes, audit entries); the page only reads widgets.
An admin cannot disable their own account or take away their own admin role, so the workspace never
loses its last way in by a slip of the mouse.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from errors import InputError
from ui import resources
from ui.shown import shown_errors
from ui.widgets import local_time
from viz.i18n import t
from workspace import users
from workspace.users import ROLES, User


def users_panel(admin: User, lang: str) -> None:
    """The list of users, a form to add one and the actions on a chosen one."""
    ws = resources.workspace()
    people = users.list_users(ws)
    st.dataframe(_table(people, lang), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        _add_form(admin, lang)
    with right:
        _change_panel(admin, people, lang)


def _table(people: list[User], lang: str) -> pl.DataFrame:
    return pl.DataFrame({
        t("access.username", lang): [u.username for u in people],
        t("access.role_label", lang): [t(f"access.role.{u.role}", lang) for u in people],
        t("access.disabled", lang): [u.disabled for u in people],
        t("access.created", lang): [local_time(u.created_at) for u in people],
    })


NOTICE = "admin_notice"


def done(message: str) -> None:
    """Redraw the page so every list shows the change, with the message on top."""
    st.session_state[NOTICE] = message
    st.rerun()


def _role_label(lang: str) -> Callable[[str], str]:
    return lambda role: t(f"access.role.{role}", lang)


def _add_form(admin: User, lang: str) -> None:
    st.subheader(t("access.add_user", lang))
    with st.form("admin_add_user", clear_on_submit=True):
        name = st.text_input(t("access.username", lang), key="admin_new_name")
        role = st.selectbox(t("access.role_label", lang), ROLES, format_func=_role_label(lang),
                            key=f"admin_new_role_{lang}")
        password = st.text_input(t("access.initial_password", lang), type="password", key="admin_new_password",
                                 help=t("access.password_help", lang, n=users.MIN_PASSWORD))
        if st.form_submit_button(t("access.add_user", lang), type="primary"):
            with shown_errors(lang):
                added = users.add_user(resources.workspace(), name, role, password, by=admin.username)
                done(t("access.user_added", lang, user=added.username, role=t(f"access.role.{added.role}", lang)))


def _change_panel(admin: User, people: list[User], lang: str) -> None:
    st.subheader(t("access.change_user", lang))
    if not people:
        return
    names = [u.username for u in people]
    chosen = st.selectbox(t("access.username", lang), names, key="admin_pick_user")
    target = next(u for u in people if u.username == chosen)
    with shown_errors(lang):
        _role_change(admin, target, lang)
        _toggle(admin, target, lang)
        _password_reset(admin, target, lang)


def _not_self(admin: User, target: User, lang: str) -> None:
    if target.username == admin.username:
        raise InputError(t("access.not_yourself", lang))


def _role_change(admin: User, target: User, lang: str) -> None:
    role = st.selectbox(t("access.role_label", lang), ROLES, index=ROLES.index(target.role),
                        format_func=_role_label(lang), key=f"admin_role_{target.username}_{lang}")
    if st.button(t("access.change_role", lang), key="admin_change_role", disabled=role == target.role):
        if target.role == "admin":
            _not_self(admin, target, lang)
        users.set_role(resources.workspace(), target.username, role, by=admin.username)
        done(t("access.role_changed", lang, user=target.username, role=t(f"access.role.{role}", lang)))


def _toggle(admin: User, target: User, lang: str) -> None:
    label = t("access.enable" if target.disabled else "access.disable", lang)
    if st.button(label, key="admin_toggle_user"):
        _not_self(admin, target, lang)
        users.set_disabled(resources.workspace(), target.username, not target.disabled, by=admin.username)
        done(t("access.user_enabled" if target.disabled else "access.user_disabled", lang, user=target.username))


def _password_reset(admin: User, target: User, lang: str) -> None:
    password = st.text_input(t("access.new_password", lang), type="password", key="admin_reset_password",
                             help=t("access.password_help", lang, n=users.MIN_PASSWORD))
    if st.button(t("access.reset_password", lang), key="admin_reset"):
        users.set_password(resources.workspace(), target.username, password, by=admin.username)
        done(t("access.password_reset", lang, user=target.username))
