"""The campaign page's figures: funnels side by side, and shares per channel (budget vs revenue, attribution)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from semantic.model import SemanticModel
from viz.figures import PALETTE
from viz.format import format_value
from viz.i18n import t

FONT = {"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"}


def _layout(figure: go.Figure, height: int = 320) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, plot_bgcolor="white",
                         legend={"orientation": "h", "y": 1.12, "x": 0}, font=FONT)
    return figure


def funnel_chart(funnels: dict[str, pl.DataFrame], lang: str) -> go.Figure:
    """One funnel per campaign (label → funnel frame), customers at each step and the share of reach."""
    figure = go.Figure()
    for index, (label, frame) in enumerate(funnels.items()):
        steps = [t(f"campaigns.step.{s}", lang) for s in frame["event_type"].to_list()]
        texts = [f"{format_value(n, 'integer', lang)} · {format_value(p, 'percent', lang)}"
                 for n, p in zip(frame["customers"].to_list(), frame["overall_conversion"].to_list(), strict=True)]
        figure.add_trace(go.Funnel(name=label, y=steps, x=frame["customers"].to_list(), text=texts,
                                   textinfo="text", marker={"color": PALETTE[index % len(PALETTE)]},
                                   hovertemplate="%{y}: %{text}<extra>" + label + "</extra>"))
    return _layout(figure, 300 if len(funnels) == 1 else 360)


def share_bars(frame: pl.DataFrame, key: str, series: dict[str, str], model: SemanticModel, lang: str) -> go.Figure:
    """Grouped bars of shares per `key` value (a channel): one bar per column of `series` (column → legend).

    Budget share vs revenue share, or each attribution model's share, side by side.
    """
    dimension = model.dimensions.get(key)
    names = [dimension.value_label(c, lang) if dimension else c for c in frame[key].to_list()]
    figure = go.Figure()
    for index, (column, label) in enumerate(series.items()):
        values = frame[column].to_list()
        figure.add_trace(go.Bar(x=names, y=values, name=label, text=[_short_percent(v) for v in values],
                                textposition="outside", marker_color=PALETTE[index % len(PALETTE)]))
    figure.update_layout(barmode="group", yaxis={"tickformat": ".0%", "gridcolor": "#eef2f7", "rangemode": "tozero"})
    return _layout(figure, 340)


def _short_percent(value: float | None) -> str:
    """A bar's label: one decimal, so four bars side by side stay readable (the table has the exact figure)."""
    return "" if value is None else f"{value * 100:.1f}%"
