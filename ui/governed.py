"""What pages need to act for the signed-in user: their governed engine, their readable metrics, the audit log.

`ml.governed` puts the user's data policy under every read of an analysis that runs many
queries (campaigns, alerts, segments); pages take that engine from `analysis_engine` instead of
`resources.engine_for`, so no campaign figure, funnel or segment of a regional user is computed
over another region's rows. Exports, share links, model edits and data loads are logged with
`record_event`, the queries behind a page with `audit_view`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from errors import PermissionDeniedError
from ml.governed import governed
from semantic.compile import check_policy
from semantic.engine import Engine, QueryResult
from semantic.model import SemanticModel
from semantic.query import SemanticQuery
from ui import resources
from ui.auth import current_policy, current_user
from ui.state import once
from workspace.audit import record, record_result


def analysis_engine(model: SemanticModel, page: str | None = None) -> Engine:
    """The model's engine seen through the signed-in user's policy (the engine itself for unrestricted users);
    with `page`, every distinct query it runs is logged once per session as that page's view."""
    return governed(resources.engine_for(model), model, current_policy(), view_auditor(page) if page else None)


def view_auditor(page: str) -> Callable[[QueryResult], None]:
    """An audit hook for a page that runs many queries (campaigns): each distinct SQL is logged once per session,
    not on every rerun, with the page it was shown on."""
    def log(result: QueryResult) -> None:
        once(f"audited_{page}_queries", result.compiled.sql, lambda: record_result(
            resources.workspace(), "query", current_user().username, result, {"page": page}))
    return log


def readable_metrics(model: SemanticModel, metrics: list[str]) -> list[str]:
    """The metrics the signed-in user's policy can be applied to: ad spend has no region, so a regional user's
    Home leaves spend and ROAS out instead of failing on them."""
    policy = current_policy()
    readable = []
    for name in metrics:
        try:
            check_policy(SemanticQuery(metrics=(name,)), model, policy)
        except PermissionDeniedError:
            continue
        readable.append(name)
    return readable


def record_event(event: str, detail: dict[str, Any]) -> None:
    """Append an audit entry (export, sharing_change, model_change, data_load) for the signed-in user.

    Also used as a download button's `on_click`, so an export is logged when the file is taken.
    """
    record(resources.workspace(), event, current_user().username, detail)


def audit_view(page: str, result: QueryResult) -> None:
    """Log the query behind what a page shows, once per distinct query of the session (not on every rerun)."""
    view_auditor(page)(result)
