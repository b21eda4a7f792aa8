"""Share links: the dashboard and filters they open, expiry on an injected clock, revocation, tampering."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from errors import ShareLinkError
from semantic.query import Filter, Policy, SemanticQuery
from workspace.dashboards import DashboardStore, Tile
from workspace.home import Workspace
from workspace.share_links import link_message, link_query

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
EAST = (Filter("region", "=", "East"), Filter("channel", "in", ("JD", "Tmall")))


@pytest.fixture()
def store(tmp_path: Path) -> DashboardStore:
    return DashboardStore(Workspace(tmp_path))


def _board_id(store: DashboardStore) -> str:
    return store.create("Sales meeting", "ana", tiles=(Tile("r", "Revenue", SemanticQuery(metrics=("revenue",))),)).id


def test_a_link_opens_its_dashboard_with_its_filters(store: DashboardStore) -> None:
    board_id = _board_id(store)
    token = store.create_link(board_id, EAST, now=NOW)
    board, filters = store.resolve_link(token, now=NOW)
    assert board.id == board_id and filters == EAST
    assert len(token) >= 32 and store.create_link(board_id, EAST) != token


def test_expiry_is_checked_against_the_clock(store: DashboardStore) -> None:
    token = store.create_link(_board_id(store), EAST, expires_at=NOW + dt.timedelta(days=7), now=NOW)
    assert store.resolve_link(token, now=NOW + dt.timedelta(days=6, hours=23))[1] == EAST
    with pytest.raises(ShareLinkError, match="expired on 2026-03-08") as caught:
        store.resolve_link(token, now=NOW + dt.timedelta(days=7))
    assert caught.value.reason == "expired"
    assert link_message(caught.value, "zh") == "该分享链接已于2026-03-08 09:00 UTC过期。请向看板所有者索取新链接。"


def test_a_revoked_link_stops_working_and_others_do_not(store: DashboardStore) -> None:
    board_id = _board_id(store)
    kept, revoked = store.create_link(board_id, (), now=NOW), store.create_link(board_id, EAST, now=NOW)
    store.revoke_link(revoked, now=NOW)
    with pytest.raises(ShareLinkError, match="revoked") as caught:
        store.resolve_link(revoked, now=NOW)
    assert caught.value.reason == "revoked" and "撤销" in link_message(caught.value, "zh")
    assert store.resolve_link(kept, now=NOW)[0].id == board_id
    assert sorted(link.state(NOW) for link in store.links(board_id)) == ["active", "revoked"]


@pytest.mark.parametrize("token", ["", "x" * 32, "' OR 1=1 --"])
def test_a_tampered_or_unknown_token_is_refused_in_words(store: DashboardStore, token: str) -> None:
    real = store.create_link(_board_id(store), EAST, now=NOW)
    with pytest.raises(ShareLinkError, match="not valid") as caught:
        store.resolve_link(token or real[:-1], now=NOW)
    assert caught.value.reason == "unknown"


def test_deleting_the_dashboard_ends_its_links(store: DashboardStore) -> None:
    board_id = _board_id(store)
    token = store.create_link(board_id, EAST, now=NOW)
    store.delete(board_id)
    with pytest.raises(ShareLinkError, match="not valid"):
        store.resolve_link(token, now=NOW)


def test_a_frozen_policy_is_kept_with_the_link(store: DashboardStore) -> None:
    policy = Policy("east-team", (Filter("region", "=", "East"),))
    token = store.create_link(_board_id(store), (), frozen_policy=policy, now=NOW)
    assert store.link(token).policy == policy


def test_the_link_query_string_carries_the_dashboard_and_filters() -> None:
    params = link_query("abc", "tok", EAST)
    assert params["dashboard"] == "abc" and params["link"] == "tok"
    assert json.loads(params["filters"])[1] == {"field": "channel", "op": "in", "value": ["JD", "Tmall"]}
