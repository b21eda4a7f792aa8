"""The charts of a campaign review, drawn by `viz.charts.build_figure` like every other chart in Beacon.

Each chart is the figure of the semantic query its numbers came from (daily
spend and revenue, the funnel, conversion by segment, spend and revenue by
channel), so titles, axes and number formats (万/亿) match Explore's.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from semantic.model import SemanticModel
from semantic.query import SemanticQuery
from viz.chart_spec import ChartSpec
from viz.charts import build_figure
from viz.figures import line_style
from viz.i18n import t
from viz.layout import frame_layout, standalone


def _figure(kind: str, frame: pl.DataFrame, metrics: tuple[str, ...], dimensions: tuple[str, ...],
            model: SemanticModel, lang: str, grain: str | None = None) -> go.Figure | None:
    if frame.is_empty():
        return None
    query = SemanticQuery(metrics=metrics, dimensions=dimensions, time_grain=grain)
    x = grain or dimensions[0]
    figure = build_figure(ChartSpec(kind, x=x, y=metrics), frame, query, model, lang)
    # The section's heading names the chart; the file is read outside the app, in Plotly's own theme.
    return standalone(frame_layout(figure, None).update_layout(height=340))


def trend_figure(trend: pl.DataFrame, model: SemanticModel, lang: str) -> go.Figure | None:
    """Daily campaign revenue and spend over the campaign's days, drawn as the campaign page draws them
    (`viz.figures.trend_figure`): revenue first, solid blue; spend dotted grey."""
    metrics = ("campaign_revenue", "spend")
    frame = trend.select("day", *metrics) if trend.height else trend
    figure = _figure("line", frame, metrics, (), model, lang, grain="day")
    if figure is None:
        return None
    for index, trace in enumerate(figure.data):
        trace.update(mode="lines", line=line_style(index))
    return figure.update_xaxes(title_text=t("campaigns.col.date", lang))


def funnel_figure(steps: pl.DataFrame, model: SemanticModel, lang: str,
                  names: dict[str, str]) -> go.Figure | None:
    """Customers at each step, reach to purchase, the steps called by `names` as the funnel table calls them."""
    if not steps.height or not steps["customers"].sum():
        return None
    frame = steps.select(pl.col("event_type").replace_strict(names, default=pl.col("event_type")),
                         funnel_customers="customers")
    return _figure("funnel", frame, ("funnel_customers",), ("event_type",), model, lang)


def segment_figure(segments: pl.DataFrame, by: str, model: SemanticModel, lang: str) -> go.Figure | None:
    """Conversion rate per segment value."""
    frame = segments.select(by, "conversion_rate").drop_nulls() if segments.height else segments
    return _figure("bar", frame, ("conversion_rate",), (by,), model, lang)


def channel_figure(channels: pl.DataFrame, model: SemanticModel, lang: str) -> go.Figure | None:
    """Spend and campaign revenue per channel over the campaign's dates."""
    frame = channels.select("channel", "spend", "campaign_revenue") if channels.height else channels
    return _figure("bar_grouped", frame, ("spend", "campaign_revenue"), ("channel",), model, lang)
