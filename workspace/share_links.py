"""Share links: a random token that opens one dashboard read-only, with its filters, until expiry or revocation.

The token is `secrets.token_urlsafe`, stored as is; a tampered or guessed
token simply matches nothing. The app's URL carries `?dashboard=<id>&link=<token>`
(and the filters), so the viewer needs no account. Resolving checks the
expiry against a `now` the caller may inject (tests use a fixed clock). Making and revoking
a link are `sharing_change` entries of the audit log, written in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from errors import InputError, ShareLinkError
from semantic.query import Filter, Policy, _filter_dict
from viz.i18n import error_text, keyed_error
from workspace import clock
from workspace.audit import append
from workspace.meta import MetaStore

Board = TypeVar("Board")  # the dashboard type of the store the links belong to


# A filter as JSON-ready data, written exactly as a SemanticQuery writes its filters.
filter_to_dict = _filter_dict


def filter_from_dict(data: dict[str, Any]) -> Filter:
    """The inverse of `filter_to_dict`; anything malformed is an InputError in words."""
    if not isinstance(data, dict) or "field" not in data:
        raise keyed_error(InputError, "errors.dashboard.filter_shape")
    value = data.get("value")
    return Filter(str(data["field"]), data.get("op", "="), tuple(value) if isinstance(value, list) else value)


@dataclass(frozen=True)
class LinkInfo:
    token: str
    dashboard_id: str
    filters: tuple[Filter, ...]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    policy: Policy | None

    def state(self, now: dt.datetime) -> str:
        """'active', 'expired' or 'revoked'."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at is not None and now >= self.expires_at else "active"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _time(text: str | None) -> dt.datetime | None:
    return _aware(dt.datetime.fromisoformat(text)) if text else None


def _policy_json(policy: Policy | None) -> str | None:
    if policy is None:
        return None
    return json.dumps(policy.to_dict(), ensure_ascii=False)  # masked and hidden columns stay frozen too


def _policy(text: str | None) -> Policy | None:
    if not text:
        return None
    return Policy.from_dict(json.loads(text))


def link_message(err: ShareLinkError, lang: str) -> str:
    """The link's problem in the viewer's language."""
    return error_text(err, lang)


class ShareLinks(Generic[Board]):
    """The link half of DashboardStore (which supplies `meta` and `get`)."""

    meta: MetaStore

    def get(self, dashboard_id: str, version: int | None = None) -> Board:
        raise NotImplementedError

    def create_link(self, dashboard_id: str, filters: tuple[Filter, ...] = (),
                    expires_at: dt.datetime | None = None, frozen_policy: Policy | None = None,
                    now: dt.datetime | None = None, by: str | None = None) -> str:
        """A new token for the dashboard with these filters; `frozen_policy` limits what a viewer sees.

        Its `sharing_change` entry names `by` (None: the command line) and the token's first six characters.
        """
        self.get(dashboard_id)
        token = secrets.token_urlsafe(24)
        expires = _aware(expires_at).isoformat() if expires_at else None
        with self.meta.write() as con:
            con.execute("INSERT INTO dash_links VALUES (?, ?, ?, ?, ?, NULL, ?)",
                        (token, dashboard_id, json.dumps([filter_to_dict(f) for f in filters], ensure_ascii=False),
                         clock.now(now).isoformat(), expires, _policy_json(frozen_policy)))
            append(con, "sharing_change", by, {"action": "create_link", "dashboard": dashboard_id,
                                               "token": token[:6], "frozen_policy": frozen_policy is not None,
                                               "expires_at": expires}, now=now)
        return token

    def link(self, token: str) -> LinkInfo:
        """The stored link, whatever its state; an unknown token is a ShareLinkError('unknown')."""
        with self.meta.read() as con:
            row = con.execute("SELECT * FROM dash_links WHERE token = ?", (str(token),)).fetchone()
        if row is None:
            raise keyed_error(ShareLinkError, "dashboards.link_unknown", "unknown")
        return LinkInfo(row["token"], row["dashboard_id"],
                        tuple(filter_from_dict(f) for f in json.loads(row["filters"])),
                        _aware(dt.datetime.fromisoformat(row["created_at"])), _time(row["expires_at"]),
                        _time(row["revoked_at"]), _policy(row["frozen_policy"]))

    def resolve_link(self, token: str, now: dt.datetime | None = None) -> tuple[Board, tuple[Filter, ...]]:
        """The dashboard and filters a link opens, or a ShareLinkError saying it is unknown, expired or revoked."""
        info = self.link(token)
        state = info.state(clock.now(now))
        if state == "revoked":
            raise keyed_error(ShareLinkError, "dashboards.link_revoked", "revoked")
        if state == "expired" and info.expires_at is not None:
            raise keyed_error(ShareLinkError, "dashboards.link_expired", "expired", info.expires_at,
                              date=info.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
        return self.get(info.dashboard_id), info.filters

    def revoke_link(self, token: str, now: dt.datetime | None = None, by: str | None = None) -> None:
        """Stop the link working, audited as done `by`; revoking it again changes and logs nothing."""
        info = self.link(token)
        with self.meta.write() as con:
            revoked = con.execute("UPDATE dash_links SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
                                  (clock.now(now).isoformat(), token)).rowcount
            if revoked:
                append(con, "sharing_change", by, {"action": "revoke_link", "dashboard": info.dashboard_id,
                                                   "token": token[:6]}, now=now)

    def links(self, dashboard_id: str) -> list[LinkInfo]:
        """Every link of a dashboard, newest first, with its state computable by `LinkInfo.state`."""
        with self.meta.read() as con:
            tokens = [r[0] for r in con.execute("SELECT token FROM dash_links WHERE dashboard_id = ? "
                                                "ORDER BY created_at DESC", (dashboard_id,))]
        return [self.link(token) for token in tokens]


def link_query(dashboard_id: str, token: str | None, filters: tuple[Filter, ...]) -> dict[str, Any]:
    """The app URL's query parameters for a dashboard view: ?dashboard=…&link=…&filters=[…]."""
    params: dict[str, Any] = {"dashboard": dashboard_id}
    if token:
        params["link"] = token
    if filters:
        params["filters"] = json.dumps([filter_to_dict(f) for f in filters], ensure_ascii=False,
                                       separators=(",", ":"))
    return params
