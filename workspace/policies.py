"""Data policies: which rows and columns a user or a role may see, kept in the metadata store.

An admin attaches rules to a user or a role: a row filter on a dimension
(`region = 'East'`, `channel IN ('Tmall', 'JD')`), or a column rule that masks
(138****5678) or hides a dimension. `policy_for(ws, user)` combines the user's
rules with their role's into the one `Policy` the compiler and the raw-SQL path
apply: every filter holds (they are ANDed, so adding a rule can only narrow),
and a dimension masked or hidden by either is masked or hidden.

>>> import tempfile
>>> from pathlib import Path
>>> from workspace.users import add_user
>>> ws = Workspace(Path(tempfile.mkdtemp()))
>>> ana = add_user(ws, "ana", "viewer", "a long password")
>>> _ = add_rule(ws, user="ana", filter="region = 'East'")
>>> _ = add_rule(ws, role="viewer", mask="city")
>>> policy_for(ws, ana)
Policy(name='ana', row_filters=(Filter(field='region', op='=', value='East'),), masked=('city',), hidden=())
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from errors import InputError, SignInError, UnknownNameError
from semantic.model import SemanticModel
from semantic.query import Policy, parse_where
from viz.i18n import keyed_error
from workspace import clock
from workspace.audit import record
from workspace.home import Workspace
from workspace.meta import MetaStore
from workspace.users import DEMO_USER, ROLES, User, get_user, open_demo, session_user

KINDS = ("filter", "mask", "hide")
SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'role')),
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('filter', 'mask', 'hide')),
    rule TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT
);
"""


@dataclass(frozen=True)
class PolicyRule:
    """One rule: `rule` is the filter's text for a filter, the dimension's name for mask and hide."""

    id: int
    subject_kind: str
    subject: str
    kind: str
    rule: str
    created_at: dt.datetime
    created_by: str | None = None

    def describe(self) -> str:
        """In words: "user ana: region = 'East'", "role viewer: mask city"."""
        what = self.rule if self.kind == "filter" else f"{self.kind} {self.rule}"
        return f"{self.subject_kind} {self.subject}: {what}"


def store(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, SCHEMA)


def add_rule(ws: Workspace, *, user: str | None = None, role: str | None = None, filter: str | None = None,
             mask: str | None = None, hide: str | None = None, model: SemanticModel | None = None,
             by: str | None = None, now: dt.datetime | None = None) -> PolicyRule:
    """Attach one rule to a user or a role; with `model`, its dimensions are checked by name."""
    kind_of, subject = _subject(ws, user, role)
    given = [(k, v) for k, v in zip(KINDS, (filter, mask, hide), strict=True) if v is not None]
    if len(given) != 1:
        raise keyed_error(InputError, "errors.rules.one_rule")
    kind, rule = given[0][0], given[0][1].strip()
    fields = [f.field for f in parse_where(rule)] if kind == "filter" else [rule]
    if model is not None:
        for field in fields:
            if field not in model.dimensions:
                raise UnknownNameError("dimension", field, model.dimensions)
    created = now or clock.now()
    with store(ws).write() as con:
        cursor = con.execute("INSERT INTO auth_policies (subject_kind, subject, kind, rule, created_at, created_by) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (kind_of, subject, kind, rule, created.isoformat(), by))
        rule_id = int(cursor.lastrowid or 0)
    added = PolicyRule(rule_id, kind_of, subject, kind, rule, created, by)
    record(ws, "policy_change", by, {"action": "add", "rule": added.describe(), "id": rule_id})
    return added


def remove_rule(ws: Workspace, rule_id: int, *, by: str | None = None) -> PolicyRule:
    rules = {r.id: r for r in list_rules(ws)}
    if rule_id not in rules:
        raise UnknownNameError("policy rule", str(rule_id), [str(i) for i in rules])
    with store(ws).write() as con:
        con.execute("DELETE FROM auth_policies WHERE id = ?", (rule_id,))
    record(ws, "policy_change", by, {"action": "remove", "rule": rules[rule_id].describe(), "id": rule_id})
    return rules[rule_id]


def list_rules(ws: Workspace) -> list[PolicyRule]:
    with store(ws).read() as con:
        return [_rule(r) for r in con.execute("SELECT * FROM auth_policies ORDER BY id")]


def policy_for(ws: Workspace, user: User | None) -> Policy:
    """The user's own rules and their role's, combined; no user (the trusted command line) is unrestricted."""
    if user is None:
        return Policy()
    with store(ws).read() as con:
        rows = con.execute("SELECT * FROM auth_policies WHERE (subject_kind = 'user' AND subject = ?) "
                           "OR (subject_kind = 'role' AND subject = ?) ORDER BY id",
                           (user.username, user.role)).fetchall()
    rules = [_rule(r) for r in rows]
    filters = tuple(f for r in rules if r.kind == "filter" for f in parse_where(r.rule))
    named = {kind: tuple(dict.fromkeys(r.rule for r in rules if r.kind == kind)) for kind in ("mask", "hide")}
    return Policy(user.username, filters, named["mask"], named["hide"])


def signed_in(ws: Workspace, token: str | None, now: dt.datetime | None = None) -> tuple[User, Policy]:
    """Who a browser session is and what data they may see: what every page asks first.

    In open demo mode everyone is DEMO_USER (an admin) under the admin role's rules; otherwise the
    session token must be valid (a SignInError says why not).
    """
    if open_demo(ws):
        return DEMO_USER, policy_for(ws, DEMO_USER)
    if not token:
        raise keyed_error(SignInError, "errors.sign_in.sign_in_first")
    user = session_user(ws, token, now)
    return user, policy_for(ws, user)


def _subject(ws: Workspace, user: str | None, role: str | None) -> tuple[str, str]:
    if (user is None) == (role is None):
        raise keyed_error(InputError, "errors.rules.one_subject")
    if role is not None:
        if role not in ROLES:
            raise UnknownNameError("role", role, ROLES)
        return "role", role
    return "user", get_user(ws, user or "").username


def _rule(row: sqlite3.Row) -> PolicyRule:
    return PolicyRule(row["id"], row["subject_kind"], row["subject"], row["kind"], row["rule"],
                      dt.datetime.fromisoformat(row["created_at"]), row["created_by"])

