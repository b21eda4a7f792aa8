"""Who may see and change a dashboard: its owner, the users and roles it is shared with, and admins.

A personal dashboard belongs to its owner. Sharing is explicit: the owner (or an admin) shares it with
one user or with a role, and every share or unshare is a `sharing_change` in the audit log. A share
grants view only; changing a dashboard stays with its owner and admins. Roles are cumulative (an
editor can do all a viewer can), so a share with a role reaches that role and every higher one: the
demo dashboards, shared with the viewer role when they are created, are open to everyone. A share
link (workspace/share_links.py) is the third, separate way in: it opens its one dashboard read-only.

>>> can_edit(User("ana", "editor", dt.datetime(2025, 1, 1)), Dashboard("b", "Board", owner="bo"))
False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from errors import InputError, PermissionDeniedError, UnknownNameError
from viz.i18n import keyed_error
from workspace import clock
from workspace.audit import SCHEMA as AUDIT_SCHEMA
from workspace.audit import append
from workspace.dashboards import SCHEMA as DASHBOARDS_SCHEMA
from workspace.dashboards import Dashboard, DashboardStore
from workspace.home import Workspace
from workspace.meta import MetaStore
from workspace.users import ROLES, User, can, get_user, require

SCHEMA = """
CREATE TABLE IF NOT EXISTS dash_shares (
    dashboard_id TEXT NOT NULL REFERENCES dash_dashboards(id) ON DELETE CASCADE,
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'role')),
    grantee TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, grantee_kind, grantee)
);
"""


@dataclass(frozen=True)
class Share:
    dashboard_id: str
    kind: str  # 'user' or 'role'
    grantee: str
    granted_by: str
    granted_at: str

    def reaches(self, user: User) -> bool:
        """Whether this share lets `user` view the dashboard (a role share reaches that role and higher ones)."""
        if self.kind == "user":
            return self.grantee == user.username
        return user.role in ROLES and ROLES.index(user.role) >= ROLES.index(self.grantee)


def _meta(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, DASHBOARDS_SCHEMA + SCHEMA + AUDIT_SCHEMA)


def _all_shares(ws: Workspace, dashboard_id: str | None = None) -> list[Share]:
    with _meta(ws).read() as con:
        rows = con.execute("SELECT * FROM dash_shares WHERE ? IS NULL OR dashboard_id = ? "
                           "ORDER BY grantee_kind DESC, grantee", (dashboard_id, dashboard_id)).fetchall()
    return [Share(r["dashboard_id"], r["grantee_kind"], r["grantee"], r["granted_by"], r["granted_at"])
            for r in rows]


def shares(ws: Workspace, dashboard_id: str) -> list[Share]:
    """The dashboard's shares: users first, then roles, each by name."""
    DashboardStore(ws).get(dashboard_id)
    return _all_shares(ws, dashboard_id)


def _views(user: User, board: Dashboard, granted: list[Share]) -> bool:
    if user.disabled:
        return False
    return user.role == "admin" or board.owner == user.username or any(s.reaches(user) for s in granted)


def can_view(ws: Workspace, user: User, board: Dashboard) -> bool:
    """The owner, an admin, or someone a share reaches."""
    return _views(user, board, _all_shares(ws, board.id))


def can_edit(user: User, board: Dashboard) -> bool:
    """An admin, or the owner while their role still allows building dashboards; a share never grants edit."""
    if user.disabled:
        return False
    return user.role == "admin" or (board.owner == user.username and can(user.role, "build_dashboards"))


def visible_to(ws: Workspace, user: User) -> list[Dashboard]:
    """Every dashboard `user` may open, by title."""
    granted: dict[str, list[Share]] = {}
    for share in _all_shares(ws):
        granted.setdefault(share.dashboard_id, []).append(share)
    return [b for b in DashboardStore(ws).list() if _views(user, b, granted.get(b.id, []))]


def grouped(ws: Workspace, user: User) -> dict[str, list[Dashboard]]:
    """The dashboards `user` may open as 'mine', 'shared' (with them) and 'others' (seen only as an admin)."""
    granted = {s.dashboard_id for s in _all_shares(ws) if s.reaches(user)}
    groups: dict[str, list[Dashboard]] = {"mine": [], "shared": [], "others": []}
    for board in visible_to(ws, user):
        kind = "mine" if board.owner == user.username else "shared" if board.id in granted else "others"
        groups[kind].append(board)
    return groups


def viewable(ws: Workspace, user: User, dashboard_id: str) -> Dashboard:
    """The dashboard, if `user` may view it; refused in words otherwise (naming no dashboard they cannot see)."""
    try:
        board = DashboardStore(ws).get(dashboard_id)
    except UnknownNameError:
        raise UnknownNameError("dashboard", dashboard_id, [b.id for b in visible_to(ws, user)]) from None
    if not can_view(ws, user, board):
        raise keyed_error(PermissionDeniedError, "errors.access.dashboard_not_shared", dashboard=dashboard_id,
                          user=user.username)
    return board


def require_edit(user: User, board: Dashboard) -> None:
    """Refuse, in words, a change to a dashboard `user` may only view."""
    if not can_edit(user, board):
        raise keyed_error(PermissionDeniedError, "errors.access.dashboard_view_only", dashboard=board.id,
                          user=user.username, role_key=f"errors.role.{user.role}")


def _grantee(ws: Workspace, user: str | None, role: str | None) -> tuple[str, str]:
    if (user is None) == (role is None):
        raise keyed_error(InputError, "errors.access.share_one")
    if user is not None:
        return "user", get_user(ws, user).username
    if role not in ROLES:
        raise UnknownNameError("role", str(role), ROLES)
    return "role", str(role)


def _checked(ws: Workspace, dashboard_id: str, by: User) -> Dashboard:
    board = DashboardStore(ws).get(dashboard_id)
    require(by, "share")
    require_edit(by, board)
    return board


def share_with(ws: Workspace, dashboard_id: str, *, by: User, user: str | None = None, role: str | None = None,
               now: dt.datetime | None = None) -> Share:
    """Let one user, or everyone with a role, view the dashboard; sharing twice changes nothing."""
    board = _checked(ws, dashboard_id, by)
    kind, grantee = _grantee(ws, user, role)
    if kind == "user" and grantee == board.owner:
        raise keyed_error(InputError, "errors.access.owns_already", user=grantee, dashboard=dashboard_id)
    share = Share(dashboard_id, kind, grantee, by.username, (now or clock.now()).isoformat())
    with _meta(ws).write() as con:
        added = con.execute("INSERT OR IGNORE INTO dash_shares VALUES (?, ?, ?, ?, ?)",
                            (share.dashboard_id, kind, grantee, share.granted_by, share.granted_at)).rowcount
        if added:  # in the same transaction: a share the log cannot record is not made
            append(con, "sharing_change", by.username, {"action": "share", "dashboard": dashboard_id, kind: grantee})
    return next(s for s in _all_shares(ws, dashboard_id) if (s.kind, s.grantee) == (kind, grantee))


def unshare(ws: Workspace, dashboard_id: str, *, by: User, user: str | None = None, role: str | None = None) -> None:
    """Take a share back; the user (or role) no longer sees the dashboard unless another share reaches them."""
    _checked(ws, dashboard_id, by)
    if (user is None) == (role is None):
        raise keyed_error(InputError, "errors.access.unshare_one")
    kind, grantee = ("user", user.strip().lower()) if user is not None else ("role", str(role))
    with _meta(ws).write() as con:
        gone = con.execute("DELETE FROM dash_shares WHERE dashboard_id = ? AND grantee_kind = ? AND grantee = ?",
                           (dashboard_id, kind, grantee)).rowcount
        if gone:
            append(con, "sharing_change", by.username, {"action": "unshare", "dashboard": dashboard_id, kind: grantee})
    if not gone:
        raise keyed_error(InputError, "errors.access.not_shared_with", dashboard=dashboard_id,
                          kind_key=f"errors.kind.{kind}", grantee=grantee)


def open_to_everyone(ws: Workspace, dashboard_id: str, granted_by: str) -> None:
    """Share with the viewer role (so with every role): the workspace's own setup for its demo dashboards,
    not a person's sharing change, so it is not audited. Idempotent."""
    with _meta(ws).write() as con:
        con.execute("INSERT OR IGNORE INTO dash_shares VALUES (?, 'role', 'viewer', ?, ?)",
                    (dashboard_id, granted_by, clock.now().isoformat()))
