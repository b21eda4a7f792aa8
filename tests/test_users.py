"""Users and sign-in: argon2 password storage, sessions that expire, lock-out, roles checked on the server."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from errors import BeaconError, InputError, PermissionDeniedError, SignInError, UnknownNameError
from workspace.audit import browse
from workspace.home import Workspace
from workspace.settings import SETTINGS, Settings
from workspace.users import (
    DEMO_USER,
    add_user,
    authenticate,
    can,
    ensure_admin,
    get_user,
    list_users,
    open_demo,
    require,
    session_user,
    set_disabled,
    set_password,
    set_role,
    sign_out,
)

T0 = dt.datetime(2025, 6, 18, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path)
    add_user(workspace, "Ana", "viewer", PASSWORD, now=T0)
    return workspace


def _row(ws: Workspace, sql: str, *params: object) -> tuple:
    with sqlite3.connect(ws.meta) as con:
        return con.execute(sql, params).fetchone()


def test_password_is_stored_as_an_argon2_hash_only(ws: Workspace) -> None:
    (stored,) = _row(ws, "SELECT password_hash FROM auth_users WHERE username = 'ana'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    assert PASSWORD.encode() not in ws.meta.read_bytes()
    assert get_user(ws, "ANA").username == "ana"  # names are case-insensitive


def test_sign_in_opens_a_session_whose_token_is_stored_hashed(ws: Workspace) -> None:
    session = authenticate(ws, "ana", PASSWORD, now=T0)
    assert session.user.role == "viewer" and session.expires_at == T0 + dt.timedelta(hours=12)
    assert session_user(ws, session.token, now=T0 + dt.timedelta(hours=1)).username == "ana"
    (stored,) = _row(ws, "SELECT token_hash FROM auth_sessions")
    assert stored == hashlib.sha256(session.token.encode()).hexdigest() and session.token not in stored
    sign_out(ws, session.token)
    with pytest.raises(SignInError, match="not signed in"):
        session_user(ws, session.token, now=T0)


def test_wrong_password_and_unknown_user_get_the_same_answer(ws: Workspace) -> None:
    with pytest.raises(SignInError) as wrong:
        authenticate(ws, "ana", "not the password", now=T0)
    with pytest.raises(SignInError) as unknown:
        authenticate(ws, "nobody", PASSWORD, now=T0)
    assert str(wrong.value) == str(unknown.value) == "Wrong user name or password."
    reasons = [e.detail["reason"] for e in browse(ws, event="sign_in_failed")]
    assert reasons == ["unknown user", "wrong password"]


def test_sessions_expire_with_the_configured_lifetime(ws: Workspace) -> None:
    Settings(ws.home).set("session_hours", 2)
    session = authenticate(ws, "ana", PASSWORD, now=T0)
    assert session_user(ws, session.token, now=T0 + dt.timedelta(hours=1, minutes=59)).username == "ana"
    with pytest.raises(SignInError, match="expired"):
        session_user(ws, session.token, now=T0 + dt.timedelta(hours=2))
    with pytest.raises(SignInError):  # an expired session is gone for good
        session_user(ws, session.token, now=T0)


def test_repeated_failures_lock_the_account_for_a_while(ws: Workspace) -> None:
    settings = Settings(ws.home)
    settings.set("signin_max_failures", 3)
    settings.set("signin_lock_minutes", 10)
    for minute in range(3):
        with pytest.raises(SignInError, match="Wrong"):
            authenticate(ws, "ana", "guess", now=T0 + dt.timedelta(minutes=minute))
    locked_at = T0 + dt.timedelta(minutes=2)
    with pytest.raises(SignInError, match="locked; try again in 10 minute"):
        authenticate(ws, "ana", PASSWORD, now=locked_at)  # even the right password waits
    with pytest.raises(SignInError, match="locked"):
        authenticate(ws, "ana", PASSWORD, now=locked_at + dt.timedelta(minutes=9, seconds=59))
    assert authenticate(ws, "ana", PASSWORD, now=locked_at + dt.timedelta(minutes=10)).user.username == "ana"
    assert _row(ws, "SELECT failures, locked_until FROM auth_users WHERE username = 'ana'") == (0, None)


def test_a_success_resets_the_failure_count(ws: Workspace) -> None:
    Settings(ws.home).set("signin_max_failures", 2)
    for _ in range(3):
        with pytest.raises(SignInError, match="Wrong"):
            authenticate(ws, "ana", "guess", now=T0)
        authenticate(ws, "ana", PASSWORD, now=T0)


def test_disabled_accounts_cannot_sign_in_and_lose_their_sessions(ws: Workspace) -> None:
    session = authenticate(ws, "ana", PASSWORD, now=T0)
    set_disabled(ws, "ana")
    with pytest.raises(SignInError):
        session_user(ws, session.token, now=T0)
    with pytest.raises(SignInError, match="disabled"):
        authenticate(ws, "ana", PASSWORD, now=T0)
    with pytest.raises(PermissionDeniedError, match="disabled"):
        require(get_user(ws, "ana"), "ask")
    set_disabled(ws, "ana", False)
    assert authenticate(ws, "ana", PASSWORD, now=T0).user.disabled is False


def test_new_password_ends_sessions(ws: Workspace) -> None:
    session = authenticate(ws, "ana", PASSWORD, now=T0)
    set_password(ws, "ana", "another long one")
    with pytest.raises(SignInError):
        session_user(ws, session.token, now=T0)
    with pytest.raises(SignInError):
        authenticate(ws, "ana", PASSWORD, now=T0)
    assert authenticate(ws, "ana", "another long one", now=T0)


def test_bad_input_is_refused_in_words(ws: Workspace) -> None:
    with pytest.raises(InputError, match="already exists"):
        add_user(ws, "ana", "viewer", PASSWORD)
    with pytest.raises(InputError, match="at least 8"):
        add_user(ws, "bob", "viewer", "short")
    with pytest.raises(InputError, match="user name"):
        add_user(ws, "bob smith", "viewer", PASSWORD)
    with pytest.raises(UnknownNameError, match="Did you mean 'editor'"):
        add_user(ws, "bob", "editr", PASSWORD)
    assert [u.username for u in list_users(ws)] == ["ana"]


def test_first_start_creates_an_admin_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    ws = Workspace(tmp_path / "a")
    password = ensure_admin(ws, now=T0)
    assert password and authenticate(ws, "admin", password, now=T0).user.role == "admin"
    assert ensure_admin(ws) is None and len(list_users(ws)) == 1
    monkeypatch.setenv("BEACON_ADMIN_PASSWORD", "from the environment")
    other = Workspace(tmp_path / "b")
    assert ensure_admin(other) is None
    assert authenticate(other, "admin", "from the environment").user.role == "admin"


def test_permission_table() -> None:
    viewer = {"view_dashboards", "open_links", "ask"}
    editor = viewer | {"load_data", "edit_models", "build_dashboards"}
    admin = editor | {"manage_users", "manage_roles", "manage_connections", "view_audit"}
    for role, allowed in (("viewer", viewer), ("editor", editor), ("admin", admin)):
        assert all(can(role, action) for action in allowed)
    assert not any(can("viewer", a) for a in editor - viewer)
    assert not any(can("editor", a) for a in admin - editor)
    with pytest.raises(UnknownNameError, match="Did you mean 'load_data'"):
        can("admin", "load_dat")


def test_require_refuses_in_words(ws: Workspace) -> None:
    ana = get_user(ws, "ana")
    require(ana, "ask")
    with pytest.raises(PermissionDeniedError) as denied:
        require(ana, "load_data")
    assert isinstance(denied.value, BeaconError) and isinstance(denied.value, PermissionError)
    assert str(denied.value) == "User 'ana' (viewer) may not load data; that needs the editor role. Ask an admin."
    require(set_role(ws, "ana", "editor"), "load_data")
    with pytest.raises(PermissionDeniedError, match="needs the admin role"):
        require(get_user(ws, "ana"), "view_audit")


def test_open_demo_mode_is_off_by_default_and_labelled(ws: Workspace) -> None:
    assert open_demo(ws) is False
    assert SETTINGS["open_demo"].help.startswith("OPEN DEMO MODE")
    Settings(ws.home).set("open_demo", True)
    assert open_demo(ws) and DEMO_USER.role == "admin"
    assert DEMO_USER.username not in [u.username for u in list_users(ws)]


def test_every_role_action_and_event_has_its_words_in_both_languages() -> None:
    from viz.i18n import t
    from workspace.audit import EVENTS
    from workspace.users import ACTIONS, ROLES

    keys = [*(f"role.{r}" for r in ROLES), *(f"action.{a}" for a in ACTIONS), *(f"event.{e}" for e in EVENTS)]
    for lang in ("en", "zh"):
        assert all(not t(f"access.{key}", lang).startswith("access.") for key in keys)
    assert t("access.role.viewer", "zh") == "查看者"


@pytest.mark.parametrize("name", ["beacon", "Beacon-Demo", "demo"])
def test_the_names_beacon_acts_under_cannot_be_given_to_a_person(tmp_path: Path, name: str) -> None:
    from viz.i18n import error_text
    from workspace.demo_dashboards import OWNER, UPDATER
    from workspace.users import SYSTEM_NAMES

    assert {OWNER, UPDATER, DEMO_USER.username} == set(SYSTEM_NAMES)
    ws = Workspace(tmp_path)
    with pytest.raises(InputError, match="a name Beacon itself uses") as err:
        add_user(ws, name, "editor", "a long password")
    assert "演示看板" in error_text(err.value, "zh") and list_users(ws) == []
