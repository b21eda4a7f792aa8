"""A dashboard's tiles, each run through the semantic layer and drawn — the same for the app, exports and the CLI.

Each tile is rendered on its own: a tile whose metric was deleted from the
model, or whose table is gone, carries its problem in words and the others
still render. A filter value that matches nothing leaves the tile empty with
a note saying the value may no longer exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import plotly.graph_objects as go
import polars as pl

from errors import BeaconError
from semantic.answer import run_query
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.periods import comparison_window, whole_months
from semantic.query import Filter, Policy, SemanticQuery, TimeRange
from viz.chart_spec import ChartSpec
from viz.charts import build_figure
from viz.dashboard_filters import PERIOD, apply_filters, tile_facts
from viz.format import format_date
from viz.i18n import error_text, t
from viz.labels import column_label, key_columns, split_column
from viz.suggest import sparkline_query, suggest_chart
from viz.tables import Totals, table_figure, totals_queries
from workspace.dashboards import Dashboard, Tile, localized


@dataclass(frozen=True)
class TileView:
    """What one tile shows: its figure (or text), the data behind it and any notes or problem."""

    tile: Tile
    title: str
    query: SemanticQuery | None = None
    spec: ChartSpec | None = None
    frame: pl.DataFrame | None = None
    figure: go.Figure | None = None
    totals: Totals = field(default_factory=dict)
    sql: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str | None = None
    period: str = ""  # the days the figures cover, in words ('2025 vs 2024'); empty for a text tile


class Runner:
    """Runs a dashboard's queries; queries that differ only in their metrics run once, together.

    KPI cards of one period (revenue, orders, AOV) and their sparklines share every scan this way.
    Only queries without dimensions are combined, so each keeps its rows and their order.
    """

    def __init__(self, model: SemanticModel, engine: Engine, policy: Policy | None = None) -> None:
        self.model, self.engine, self.policy = model, engine, policy
        self._shared: dict[SemanticQuery, SemanticQuery] = {}

    def plan(self, queries: list[SemanticQuery]) -> None:
        """Remember which of these queries can run as one."""
        groups: dict[tuple[object, ...], list[SemanticQuery]] = {}
        for query in queries:
            if not query.dimensions and not query.order_by and query.limit is None:
                key = (query.filters, query.time_grain, query.time_range, query.compare,
                       tuple(tile_facts(query, self.model)))
                groups.setdefault(key, []).append(query)
        for members in groups.values():
            metrics = tuple(dict.fromkeys(m for q in members for m in q.metrics))
            if len(members) > 1 and all(m in self.model.metrics for m in metrics):
                self._shared.update({q: replace(q, metrics=metrics) for q in members})

    def run(self, query: SemanticQuery) -> tuple[pl.DataFrame, str]:
        """The query's rows (its own columns only) and the SQL that produced them."""
        shared = self._shared.get(query)
        result = run_query(shared or query, self.model, self.engine, self.policy)
        if shared is None:
            return result.frame, result.compiled.sql
        own = [c for c in result.frame.columns if c in key_columns(query) or split_column(c)[0] in query.metrics]
        return result.frame.select(own), result.compiled.sql


def render_tile(tile: Tile, model: SemanticModel, engine: Engine, lang: str, filters: tuple[Filter, ...] = (),
                policy: Policy | None = None, runner: Runner | None = None) -> TileView:
    """Run the tile's query with the dashboard filters it can take and draw it; problems become words."""
    title = localized(tile.title, lang)
    if tile.query is None:
        return TileView(tile, title)
    applied = apply_filters(tile.query, filters, model)
    notes = tuple(applied.notes(model, lang))
    period = period_words(applied.query, lang)
    try:
        return replace(_drawn(tile, title, applied.query, runner or Runner(model, engine, policy), lang, notes),
                       period=period)
    except BeaconError as err:
        return TileView(tile, title, applied.query, notes=notes, period=period,
                        problem=t("dashboards.tile_problem", lang, message=error_text(err, lang)))


def period_words(query: SemanticQuery, lang: str) -> str:
    """The days a tile's figures cover, as its caption says them: '2025 vs 2024', 'Oct 20, 2025 – Nov 12, 2025',
    'All dates' (2025年 对比 2024年, 全部日期).

    >>> from datetime import date
    >>> year = SemanticQuery(metrics=("revenue",), time_range=TimeRange(date(2025, 1, 1), date(2025, 12, 31)),
    ...                      compare="previous_period")
    >>> period_words(year, "en"), period_words(year, "zh")
    ('2025 vs 2024', '2025年 对比 2024年')
    """
    if query.time_range is None:
        return t("dashboards.period_all", lang)
    current = span_words(query.time_range, lang)
    if not query.compare:
        return current
    previous = span_words(comparison_window(query.time_range, query.compare)[0], lang)
    return t("dashboards.period_versus", lang, current=current, previous=previous)


def span_words(window: TimeRange, lang: str) -> str:
    """A window by its calendar name where it has one (2025, Q2 2025, Jun 2025), else its first and last day."""
    months, start = whole_months(window), window.start
    if months and months % 12 == 0 and start.month == 1:
        first, last = format_date(start, lang, "year"), format_date(window.end, lang, "year")
        return first if first == last else f"{first}–{last}"
    if months in (1, 3) and (months == 1 or start.month % 3 == 1):
        return format_date(start, lang, "month" if months == 1 else "quarter")
    return f"{format_date(start, lang)} – {format_date(window.end, lang)}"


def _drawn(tile: Tile, title: str, query: SemanticQuery, runner: Runner, lang: str,
           notes: tuple[str, ...]) -> TileView:
    model = runner.model
    frame, first_sql = runner.run(query)
    spec = tile.chart or suggest_chart(query, frame, model)
    spec = ChartSpec(spec.kind, spec.x, spec.y, spec.color, spec.title or title)
    sql = [first_sql]
    if frame.is_empty():
        return TileView(tile, title, query, spec, frame, None, {}, tuple(sql),
                        (*notes, *_missing_values(query, model, lang), t("dashboards.no_data", lang)))
    totals: Totals = {}
    if spec.kind in ("table", "pivot"):
        for name, total_query in totals_queries(spec, query).items():
            totals[name], extra = runner.run(total_query)
            sql.append(extra)
        figure = table_figure(spec, frame, query, model, lang, totals)
        figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0})
    else:
        line = None
        if spec.kind == "kpi":
            line, extra = runner.run(sparkline_query(query))
            sql.append(extra)
        figure = build_figure(spec, frame, query, model, lang, sparkline=line)
        figure.update_layout(title={"text": None}, margin={"t": 20})  # the tile shows its own title
    return TileView(tile, title, query, spec, frame, figure, totals, tuple(sql), notes)


def _missing_values(query: SemanticQuery, model: SemanticModel, lang: str) -> list[str]:
    """For an empty result: each '=' filter, whose value may no longer exist in the data."""
    return [t("dashboards.filter_value_missing", lang, dimension=column_label(f.field, model, lang), value=f.value)
            for f in query.filters if f.op == "=" and f.field != PERIOD]


def render_dashboard(board: Dashboard, model: SemanticModel, engine: Engine, lang: str,
                     filters: tuple[Filter, ...] | None = None, policy: Policy | None = None) -> list[TileView]:
    """Every tile of the dashboard, with the dashboard's filters (or the ones given, e.g. from a link)."""
    chosen = board.filters if filters is None else filters
    runner = Runner(model, engine, policy)
    queries = [apply_filters(tile.query, chosen, model).query for tile in board.tiles if tile.query is not None]
    runner.plan([*queries, *(sparkline_query(q) for q in queries if not q.dimensions and not q.time_grain)])
    return [render_tile(tile, model, engine, lang, chosen, policy, runner) for tile in board.tiles]
