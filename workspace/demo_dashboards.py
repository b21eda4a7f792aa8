"""The two dashboards a first-time user of the demo workspace finds ready: Marketing overview, Campaign performance.

Titles, descriptions and texts are stored as translation keys
(`dashboards.marketing_title`...), so each reader sees them in their language
until someone renames them. Creating them is idempotent: `beacon demo` calls
`ensure_demo_dashboards`, and so does the app when it opens a workspace that
lacks them. A demo dashboard nobody has edited since Beacon wrote it is brought
up to the current definition (as a new version, so the history keeps the old
one); one a person has saved is left alone. They belong to the workspace itself
(owner "beacon") and are shared with the viewer role, so every signed-in user
sees them and only admins change them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, SemanticQuery, TimeRange
from viz.chart_spec import ChartSpec
from workspace.dashboard_access import open_to_everyone
from workspace.dashboards import Dashboard, DashboardStore, Tile
from workspace.home import Workspace

MARKETING_ID = "marketing-overview"
CAMPAIGN_ID = "campaign-performance"
OWNER = "beacon"
UPDATER = "beacon-demo"  # who saves a demo dashboard brought up to date, so a later update knows it as its own
YEAR = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
FUNNEL_CAMPAIGN = "Double 11 2025"  # the demo's largest campaign: one campaign's funnel, its own customers
FUNNEL_DAYS = TimeRange(dt.date(2025, 10, 20), dt.date(2025, 11, 12))


def _chart(tile_id: str, kind: str, query: SemanticQuery, width: int = 6, **spec: str) -> Tile:
    return Tile(tile_id, f"dashboards.tile_{tile_id}", query, ChartSpec(kind, **spec), None, width, 1)


def _kpi(metric: str) -> Tile:
    query = SemanticQuery(metrics=(metric,), time_range=YEAR, compare="previous_period")
    return _chart(metric, "kpi", query, width=4)


def marketing_overview() -> Dashboard:
    q = SemanticQuery
    tiles = (
        Tile("intro", "dashboards.marketing_title", text="dashboards.marketing_intro", width=12),
        _kpi("revenue"), _kpi("orders"), _kpi("aov"),
        _chart("revenue_trend", "line", q(metrics=("revenue",), time_grain="month"), width=8),
        _chart("category_share", "donut", q(metrics=("revenue",), dimensions=("product_category",)), width=4),
        _chart("revenue_channel", "bar", q(metrics=("revenue",), dimensions=("channel",))),
        _chart("city_map", "map", q(metrics=("revenue",), dimensions=("city",),
                                    order_by=(OrderBy("revenue", True),), limit=30)),
        _chart("revenue_region", "heatmap", q(metrics=("revenue",), dimensions=("region", "channel")), width=12),
    )
    return Dashboard(MARKETING_ID, "dashboards.marketing_title", "dashboards.marketing_description", OWNER, tiles)


def campaign_performance() -> Dashboard:
    q = SemanticQuery
    tiles = (
        Tile("intro", "dashboards.campaign_title", text="dashboards.campaign_intro", width=12),
        _kpi("spend"), _kpi("roas"),
        _chart("funnel", "funnel", q(metrics=("funnel_customers",), dimensions=("event_type",),
                                     filters=(Filter("campaign_name", "=", FUNNEL_CAMPAIGN),),
                                     time_range=FUNNEL_DAYS), width=4),
        _chart("spend_channel", "bar_grouped", q(metrics=("spend", "campaign_revenue"), dimensions=("channel",))),
        _chart("campaign_scatter", "scatter", q(metrics=("spend", "campaign_revenue"), dimensions=("campaign_name",))),
        _chart("ctr_trend", "line", q(metrics=("ctr",), time_grain="month")),
        _chart("top_campaigns", "table", q(metrics=("campaign_revenue", "spend", "roas"),
                                           dimensions=("campaign_name",),
                                           order_by=(OrderBy("campaign_revenue", True),), limit=10)),
    )
    return Dashboard(CAMPAIGN_ID, "dashboards.campaign_title", "dashboards.campaign_description", OWNER, tiles)


def ensure_demo_dashboards(ws: Workspace, model: SemanticModel | None = None) -> list[str]:
    """Create whichever of the two demo dashboards is missing, and bring one nobody has edited up to the
    current definition; return the ids created or brought up to date.

    With a model, only when it is the demo model (its metrics are what the tiles use).
    """
    if model is not None and model.name != "demo":
        return []
    store = DashboardStore(ws)
    present = {board.id: board for board in store.list()}
    changed = []
    for board in (marketing_overview(), campaign_performance()):
        old = present.get(board.id)
        if old is None:
            store.create(board.title, board.owner, board.description, board.tiles, board.filters, board.id)
            changed.append(board.id)
        elif _outdated(store, old, board):
            store.save(replace(board, version=old.version), base_version=old.version, saved_by=UPDATER)
            changed.append(board.id)
        open_to_everyone(ws, board.id, OWNER)
    return changed


def _outdated(store: DashboardStore, saved: Dashboard, current: Dashboard) -> bool:
    """A demo dashboard that differs from today's definition and that Beacon wrote last: its first version
    (nobody has saved it since it was created) or an update of ours."""
    same = (saved.title, saved.description, saved.tiles, saved.filters) == \
        (current.title, current.description, current.tiles, current.filters)
    return not same and (saved.version == 1 or store.versions(saved.id)[0].saved_by == UPDATER)
