"""This browser session's sign-in: who is using the app, what data they may see, and what they may do.

The session token lives only in `st.session_state` (server side, one per browser tab): never in the
URL, where it would leak into shared links, history and logs. A browser refresh therefore asks for the
password again; sessions also expire on the server (setting `session_hours`).

Pages ask `current_policy()` for every query they run and call `require(action)` before anything a
role may not do: the check runs on the server whatever buttons the page shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from errors import PermissionDeniedError, SignInError
from semantic.query import Policy
from ui import resources
from ui.state import once, session
from viz.i18n import t
from workspace import clock, users
from workspace.audit import browse, record
from workspace.home import Workspace
from workspace.policies import signed_in
from workspace.users import ROLES, User

TOKEN_KEY = "auth_token"
_SLOW = "auth_slow"  # this session's failed sign-ins in a row and when it may try again
SLOWDOWN_FREE = 1  # failures in a row answered at once; after that each try waits twice as long
SLOWDOWN_FIRST_S, SLOWDOWN_MAX_S = 5, 60


def _who() -> tuple[User, Policy] | None:
    """(user, policy) of this session, or None when nobody is signed in (open demo: always DEMO_USER)."""
    try:
        return signed_in(resources.workspace(), st.session_state.get(TOKEN_KEY))
    except SignInError:
        st.session_state.pop(TOKEN_KEY, None)
        return None


def is_signed_in() -> bool:
    return _who() is not None


def is_open_demo() -> bool:
    return users.open_demo(resources.workspace())


def _signed_in_or_stop() -> tuple[User, Policy]:
    """(user, policy), or the page stops with "sign in again" (a session expired between two clicks)."""
    who = _who()
    if who is None:
        st.warning(t("access.session_expired", session().lang))
        st.stop()
    return who


def current_user() -> User:
    """The signed-in user (DEMO_USER in open demo mode)."""
    return _signed_in_or_stop()[0]


def current_policy() -> Policy:
    """The data policy every query of this session runs under (row filters, masked and hidden columns)."""
    return _signed_in_or_stop()[1]


def allowed(action: str) -> bool:
    """Whether the signed-in user's role allows `action`: for hiding buttons; `require` still guards the action."""
    who = _who()
    return who is not None and not who[0].disabled and users.can(who[0].role, action)


def require(action: str) -> User:
    """Stop the page, with the reason in words, unless the signed-in user may do `action`."""
    user = current_user()
    try:
        users.require(user, action)
    except PermissionDeniedError:
        log_refusal({"action": action, "role": user.role})
        st.error(denied_text(user, action, session().lang))
        st.stop()
    return user


def log_refusal(detail: dict[str, str]) -> None:
    """Write a refusal to the audit log (event access_denied) once per session and refusal, not on every rerun:
    an auditor can then say who tried to reach what they may not see."""
    who = _who()
    user = who[0].username if who else None
    once("refusals", (user, tuple(sorted(detail.items()))),
         lambda: record(resources.workspace(), "access_denied", user, detail))


def denied_text(user: User, action: str, lang: str) -> str:
    needed = next(role for role in ROLES if users.can(role, action))
    return t("access.denied_action", lang, action=t(f"access.action.{action}", lang),
             role=t(f"access.role.{needed}", lang), user=user.username, current=t(f"access.role.{user.role}", lang))


def sign_in_form(lang: str) -> None:
    """The only thing a session that is not signed in sees: user name, password and why a try failed."""
    st.title(t("access.sign_in_title", lang))
    with st.form("sign_in"):
        name = st.text_input(t("access.username", lang), key="sign_in_name", autocomplete="username")
        password = st.text_input(t("access.password", lang), type="password", key="sign_in_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("access.sign_in", lang), type="primary")
    if submitted:
        message = _try_sign_in(name, password, lang)
        if message is None:
            st.rerun()
        st.error(message)


def _try_sign_in(name: str, password: str, lang: str) -> str | None:
    """Sign in, or say in words why not; repeated failures in one session must wait longer each time."""
    now = clock.now()
    failures, retry_at = st.session_state.get(_SLOW, (0, now))
    if retry_at > now:
        return t("access.slow_down", lang, seconds=max(1, round((retry_at - now).total_seconds())))
    if not name.strip() or not password:
        return t("access.missing", lang)
    try:
        opened = users.authenticate(resources.workspace(), name, password)
    except SignInError as err:
        failures += 1
        wait = slowdown_seconds(failures)
        st.session_state[_SLOW] = (failures, now + dt.timedelta(seconds=wait))
        return _refusal_text(name, err, lang) + (" " + t("access.wait", lang, seconds=wait) if wait else "")
    st.session_state.pop(_SLOW, None)
    st.session_state[TOKEN_KEY] = opened.token
    return None


def slowdown_seconds(failures: int) -> int:
    """How long a session waits after `failures` failed sign-ins in a row.

    >>> [slowdown_seconds(n) for n in range(1, 7)]
    [0, 5, 10, 20, 40, 60]
    """
    if failures <= SLOWDOWN_FREE:
        return 0
    return min(SLOWDOWN_MAX_S, SLOWDOWN_FIRST_S * 2 ** (failures - SLOWDOWN_FREE - 1))


def _refusal_text(name: str, err: SignInError, lang: str) -> str:
    """The refusal in the user's language; the audit entry just written says which reason it was."""
    last = browse(resources.workspace(), user=name.strip().lower(), event="sign_in_failed", limit=1)
    reason = last[0].detail.get("reason", "") if last else ""
    if reason == "locked":
        return t("access.locked", lang, minutes=err.text_values.get("minutes", "?"))
    if reason == "disabled":
        return t("access.account_disabled", lang)
    return t("access.wrong", lang)


def sidebar_user(lang: str) -> None:
    """Who is signed in, with their role and a Sign out button; or the open-demo label."""
    if is_open_demo():
        st.markdown(f":orange-badge[:material/lock_open: {t('access.open_demo_label', lang)}]")
        st.caption(t("access.open_demo_banner", lang))
        return
    user = current_user()
    st.caption(t("access.signed_in_as", lang, user=user.username, role=t(f"access.role.{user.role}", lang)))
    if st.button(t("access.sign_out", lang), key="sign_out", icon=":material/logout:"):
        sign_out()
        st.rerun()


def sign_out() -> None:
    """End the session on the server and forget all this tab held for the user (answers, segments, picks).

    Only the language stays, so the next person at the same browser sees nothing of the last one's data.
    """
    token = st.session_state.get(TOKEN_KEY)
    lang = session().lang
    st.session_state.clear()
    session().lang = lang
    if token:
        users.sign_out(resources.workspace(), token)


@st.cache_resource(show_spinner=False)
def _first_start(home: str) -> bool:
    """Once per server process and workspace: create the first admin and print its password to the log only."""
    password = users.ensure_admin(Workspace(Path(home)))
    if password:
        print(t("access.first_admin", "en", password=password), flush=True)
    return True


def first_start() -> None:
    _first_start(str(resources.workspace().home))
