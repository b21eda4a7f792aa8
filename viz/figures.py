"""Plotly figures, labelled and formatted in the user's language.

Axis ticks are placed and written by `viz.format`, so a Chinese chart reads
1.2亿 and 5000万 rather than 120M and 50M.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from viz.format import format_date, format_value
from viz.time_axis import time_ticks

PALETTE = ("#2563eb", "#94a3b8", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed")
TREND_WIDTH_PX = 680  # Home's trend spans the page's main column


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 up to at least `top`.

    >>> nice_ticks(87_000)
    [0.0, 20000.0, 40000.0, 60000.0, 80000.0, 100000.0]
    """
    if top <= 0 or math.isnan(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [float(i * step) for i in range(math.ceil(top / step) + 1)]


def trend_figure(frame: pl.DataFrame, time_col: str, series: dict[str, str], fmt: str, lang: str,
                 grain: str, currency: str = "CNY") -> go.Figure:
    """Lines over time, one per column in `series` (column → legend label); the first is the focus."""
    dates = frame[time_col].to_list()
    figure = go.Figure()
    for index, (column, label) in enumerate(series.items()):
        values = frame[column].to_list()
        figure.add_trace(go.Scatter(
            x=dates, y=values, name=label, mode="lines",
            line=line_style(index),
            customdata=[[format_date(d, lang, grain), format_value(v, fmt, lang, currency)]
                        for d, v in zip(dates, values, strict=True)],
            hovertemplate="%{customdata[0]}<br>" + label + ": %{customdata[1]}<extra></extra>"))
    top = max((v for c in series for v in frame[c].to_list() if v is not None), default=0.0)
    ticks = nice_ticks(float(top))
    shown, texts = time_ticks([d for d in dates if d is not None], grain, lang, width=TREND_WIDTH_PX)
    figure.update_layout(
        height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "y": 1.12, "x": 0}, plot_bgcolor="white",
        yaxis={"tickvals": ticks, "ticktext": [format_value(v, fmt, lang, currency) for v in ticks],
               "gridcolor": "#eef2f7", "rangemode": "tozero"},
        xaxis={"tickvals": shown, "ticktext": texts})
    return figure


def line_style(index: int) -> dict[str, object]:
    """The line of a trend's `index`-th series: the first (the focus) solid and thicker, the others dotted.

    >>> line_style(0)["dash"], line_style(1)["color"]
    ('solid', '#94a3b8')
    """
    return {"color": PALETTE[index % len(PALETTE)], "width": 2.5 if index == 0 else 1.5,
            "dash": "solid" if index == 0 else "dot"}


def bar_figure(labels: list[str], values: list[float], lang: str, horizontal: bool = False,
               fmt: str = "integer", height: int = 280) -> go.Figure:
    """Plain bars (top values, a histogram's bins): each bar's exact count (4,961 and 15,012 alike, never 4,961
    beside 1.5万) against a value axis whose round ticks viz.format writes (5K / 5,000 and 1万), in either language.
    """
    texts = [format_value(v, fmt, lang, full=True) for v in values]
    bar = go.Bar(x=values if horizontal else labels, y=labels if horizontal else values, text=texts,
                 orientation="h" if horizontal else "v", marker_color=PALETTE[0], textposition="auto",
                 hovertemplate="%{" + ("y" if horizontal else "x") + "}: %{text}<extra></extra>")
    ticks = nice_ticks(max((float(v) for v in values if v is not None), default=0.0))
    value_axis = {"tickvals": ticks, "ticktext": [format_value(v, fmt, lang) for v in ticks],
                  "range": [0, ticks[-1]], "gridcolor": "#eef2f7"}
    figure = go.Figure(bar)
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white",
                         xaxis=value_axis if horizontal else {},
                         yaxis={"autorange": "reversed"} if horizontal else value_axis,
                         bargap=0.05 if not horizontal else 0.3)
    return figure
