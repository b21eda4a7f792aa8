"""Users, roles, sign-in and sessions: who may do what in a workspace shared by a team.

Passwords are stored only as argon2id hashes (argon2-cffi); session tokens only as
SHA-256 digests, so a copy of meta.sqlite lets nobody sign in. Sessions expire;
failed sign-ins in a row lock the account for a while (both configurable in the
workspace settings). The first start creates an admin whose password comes from
BEACON_ADMIN_PASSWORD or is generated and returned once, to be printed.

Roles are checked on the server side by `require(user, action)`, whatever a page shows:

>>> can("viewer", "ask"), can("viewer", "load_data"), can("admin", "view_audit")
(True, False, True)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import secrets
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from errors import InputError, PermissionDeniedError, SignInError, UnknownNameError
from viz.i18n import keyed_error
from workspace import clock
from workspace.audit import record
from workspace.home import Workspace
from workspace.meta import MetaStore
from workspace.settings import Settings

ROLES = ("viewer", "editor", "admin")
_VIEWER = ("view_dashboards", "open_links", "ask", "explore", "export")
_EDITOR = (*_VIEWER, "load_data", "edit_models", "build_dashboards", "share", "run_sql")
_ADMIN = (*_EDITOR, "manage_users", "manage_roles", "manage_connections", "view_audit", "edit_settings")
PERMISSIONS: dict[str, frozenset[str]] = {"viewer": frozenset(_VIEWER), "editor": frozenset(_EDITOR),
                                          "admin": frozenset(_ADMIN)}
ACTIONS = _ADMIN
ADMIN_NAME, ADMIN_PASSWORD_ENV = "admin", "BEACON_ADMIN_PASSWORD"
MIN_PASSWORD = 8
_NAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{0,63}")
_HASHER = PasswordHasher()

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE IF NOT EXISTS auth_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES auth_users (username),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    created_at: dt.datetime
    disabled: bool = False


@dataclass(frozen=True)
class Session:
    """A signed-in user; `token` goes into the browser session and is stored only hashed."""

    token: str
    user: User
    expires_at: dt.datetime


# Who an "open demo" workspace signs everyone in as; never stored, never valid when the setting is off.
DEMO_USER = User("demo", "admin", dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
# Names Beacon itself acts under (the demo dashboards' owner and updater, the open-demo user): a person given one
# would own the demo dashboards, and their audit entries could not be told from the system's.
SYSTEM_NAMES = ("beacon", "beacon-demo", DEMO_USER.username)


def store(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, SCHEMA)


def can(role: str, action: str) -> bool:
    """Whether `role` may do `action`; an unknown action is an error, not a quiet no."""
    if action not in ACTIONS:
        raise UnknownNameError("action", action, ACTIONS)
    return action in PERMISSIONS.get(role, frozenset())


def require(user: User, action: str) -> None:
    """Refuse, in words, an action the user's role does not allow (or any action of a disabled user)."""
    if user.disabled:
        raise keyed_error(PermissionDeniedError, "errors.access.account_disabled", user=user.username)
    if not can(user.role, action):
        needed = next(role for role in ROLES if can(role, action))
        raise keyed_error(PermissionDeniedError, "errors.access.may_not", user=user.username,
                          role_key=f"errors.role.{user.role}", action_key=f"errors.action.{action}",
                          needed_key=f"errors.role.{needed}")


def open_demo(ws: Workspace) -> bool:
    """OPEN DEMO MODE (setting `open_demo`, off by default): everyone is DEMO_USER, without a password."""
    return bool(Settings(ws.home).get("open_demo"))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(ws: Workspace, name: str, role: str, password: str, *, by: str | None = None,
             now: dt.datetime | None = None) -> User:
    """Create a user; the password is kept only as its argon2 hash."""
    name, created = _checked_name(name), _utc(now)
    if name in SYSTEM_NAMES:
        raise keyed_error(InputError, "errors.users.system_name", user=name)
    _check_role(role)
    _check_password(password)
    try:
        with store(ws).write() as con:
            con.execute("INSERT INTO auth_users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                        (name, role, _HASHER.hash(password), created.isoformat()))
    except sqlite3.IntegrityError as err:
        raise keyed_error(InputError, "errors.users.exists", user=name) from err
    record(ws, "user_change", by, {"action": "add", "target": name, "role": role}, now=created)
    return User(name, role, created)


def ensure_admin(ws: Workspace, now: dt.datetime | None = None) -> str | None:
    """At first start (no users yet) create `admin`; return its generated password to print once.

    Returns None when users exist already or the password came from BEACON_ADMIN_PASSWORD.
    """
    if list_users(ws):
        return None
    given = os.environ.get(ADMIN_PASSWORD_ENV)
    password = given or generate_password()
    try:
        add_user(ws, ADMIN_NAME, "admin", password, now=now)
    except InputError:
        return None  # another process created it first
    return None if given else password


def get_user(ws: Workspace, name: str) -> User:
    with store(ws).read() as con:
        row = con.execute("SELECT * FROM auth_users WHERE username = ?", (name.strip().lower(),)).fetchone()
    if row is None:
        raise UnknownNameError("user", name, [u.username for u in list_users(ws)])
    return _user(row)


def list_users(ws: Workspace) -> list[User]:
    with store(ws).read() as con:
        return [_user(r) for r in con.execute("SELECT * FROM auth_users ORDER BY username")]


def set_disabled(ws: Workspace, name: str, disabled: bool = True, *, by: str | None = None) -> User:
    """Disable (or enable again) an account; disabling also ends its sessions."""
    user = get_user(ws, name)
    with store(ws).write() as con:
        con.execute("UPDATE auth_users SET disabled = ? WHERE username = ?", (int(disabled), user.username))
        if disabled:
            con.execute("DELETE FROM auth_sessions WHERE username = ?", (user.username,))
    record(ws, "user_change", by, {"action": "disable" if disabled else "enable", "target": user.username})
    return User(user.username, user.role, user.created_at, disabled)


def set_role(ws: Workspace, name: str, role: str, *, by: str | None = None) -> User:
    _check_role(role)
    user = get_user(ws, name)
    with store(ws).write() as con:
        con.execute("UPDATE auth_users SET role = ? WHERE username = ?", (role, user.username))
    record(ws, "user_change", by, {"action": "role", "target": user.username, "role": role})
    return User(user.username, role, user.created_at, user.disabled)


def set_password(ws: Workspace, name: str, password: str, *, by: str | None = None) -> None:
    """A new password ends every session of the account and lifts a lock-out."""
    _check_password(password)
    user = get_user(ws, name)
    with store(ws).write() as con:
        con.execute("UPDATE auth_users SET password_hash = ?, failures = 0, locked_until = NULL "
                    "WHERE username = ?", (_HASHER.hash(password), user.username))
        con.execute("DELETE FROM auth_sessions WHERE username = ?", (user.username,))
    record(ws, "user_change", by, {"action": "password", "target": user.username})


def authenticate(ws: Workspace, name: str, password: str, now: dt.datetime | None = None) -> Session:
    """Check the password and open a session; refuse a wrong password, a disabled or a locked account.

    The same words answer an unknown name and a wrong password, so names cannot be probed.
    """
    moment, key = _utc(now), name.strip().lower()
    with store(ws).read() as con:
        row = con.execute("SELECT * FROM auth_users WHERE username = ?", (key,)).fetchone()
    if row is None:
        _verify(_dummy_hash(), password)  # take as long as for a real account
        _refuse(ws, key, "unknown user", keyed_error(SignInError, "access.wrong"), moment)
    locked = row["locked_until"] and dt.datetime.fromisoformat(row["locked_until"]) > moment
    if locked:
        _refuse(ws, key, "locked", _locked(row["locked_until"], moment), moment)
    if not _verify(row["password_hash"], password):
        _count_failure(ws, key, row["failures"] + 1, moment)
        _refuse(ws, key, "wrong password", keyed_error(SignInError, "access.wrong"), moment)
    if row["disabled"]:
        _refuse(ws, key, "disabled", keyed_error(SignInError, "errors.sign_in.disabled", user=key), moment)
    return _open_session(ws, _user(row), password, row["password_hash"], moment)


def session_user(ws: Workspace, token: str, now: dt.datetime | None = None) -> User:
    """The user a session token belongs to; an unknown, expired or disabled session is a SignInError."""
    moment = _utc(now)
    with store(ws).read() as con:
        row = con.execute("SELECT s.expires_at, u.* FROM auth_sessions s JOIN auth_users u USING (username) "
                          "WHERE s.token_hash = ?", (_digest(token),)).fetchone()
    if row is None or row["disabled"]:
        raise keyed_error(SignInError, "errors.sign_in.not_signed_in")
    if dt.datetime.fromisoformat(row["expires_at"]) <= moment:
        sign_out(ws, token)
        raise keyed_error(SignInError, "errors.sign_in.expired")
    return _user(row)


def sign_out(ws: Workspace, token: str) -> None:
    with store(ws).write() as con:
        row = con.execute("DELETE FROM auth_sessions WHERE token_hash = ? RETURNING username",
                          (_digest(token),)).fetchone()
    if row is not None:
        record(ws, "sign_out", row["username"])


def _open_session(ws: Workspace, user: User, password: str, stored: str, moment: dt.datetime) -> Session:
    token = secrets.token_urlsafe(32)
    expires = moment + dt.timedelta(hours=Settings(ws.home).get("session_hours"))
    with store(ws).write() as con:
        con.execute("UPDATE auth_users SET failures = 0, locked_until = NULL WHERE username = ?", (user.username,))
        if _HASHER.check_needs_rehash(stored):
            con.execute("UPDATE auth_users SET password_hash = ? WHERE username = ?",
                        (_HASHER.hash(password), user.username))
        con.execute("DELETE FROM auth_sessions WHERE expires_at <= ?", (moment.isoformat(),))
        con.execute("INSERT INTO auth_sessions VALUES (?, ?, ?, ?)",
                    (_digest(token), user.username, moment.isoformat(), expires.isoformat()))
    record(ws, "sign_in", user.username, now=moment)
    return Session(token, user, expires)


def _count_failure(ws: Workspace, name: str, failures: int, moment: dt.datetime) -> None:
    """Count a failed sign-in; at the limit, lock the account and start counting afresh."""
    settings = Settings(ws.home)
    locked_until = None
    if failures >= settings.get("signin_max_failures"):
        locked_until = (moment + dt.timedelta(minutes=settings.get("signin_lock_minutes"))).isoformat()
        failures = 0
    with store(ws).write() as con:
        con.execute("UPDATE auth_users SET failures = ?, locked_until = ? WHERE username = ?",
                    (failures, locked_until, name))


def _refuse(ws: Workspace, name: str, reason: str, error: SignInError, moment: dt.datetime) -> NoReturn:
    record(ws, "sign_in_failed", name, {"reason": reason}, now=moment)
    raise error


def _locked(until: str, moment: dt.datetime) -> SignInError:
    minutes = max(1, math.ceil((dt.datetime.fromisoformat(until) - moment).total_seconds() / 60))
    return keyed_error(SignInError, "access.locked", minutes=minutes)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: sqlite3.Row) -> User:
    return User(row["username"], row["role"], dt.datetime.fromisoformat(row["created_at"]), bool(row["disabled"]))


def _utc(now: dt.datetime | None) -> dt.datetime:
    return clock.now(now)


def _checked_name(name: str) -> str:
    key = name.strip().lower()
    if not _NAME.fullmatch(key):
        raise keyed_error(InputError, "errors.users.bad_name", name=repr(name))
    return key


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UnknownNameError("role", role, ROLES)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise keyed_error(InputError, "errors.users.short_password", count=MIN_PASSWORD)
