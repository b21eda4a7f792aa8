"""The frame around every chart: title, legend and margins that fit their texts wherever the chart is drawn.

Inside Streamlit the app's theme hides tight margins; a standalone HTML export
or a campaign review shows them, cutting tick labels to "K" and funnel steps to
"se". So axes grow their margins to fit their labels (`automargin`), the legend
sits in a row of its own between the title and the plot (never on an axis
title), and the top margin is reserved for both.

>>> import plotly.graph_objects as go
>>> figure = frame_layout(go.Figure([go.Bar(name="Ad spend"), go.Bar(name="Revenue")]), "Spend by channel")
>>> figure.layout.xaxis.automargin, figure.layout.legend.orientation, figure.layout.margin.t > 50
(True, 'h', True)
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from viz.figures import PALETTE
from viz.time_axis import text_width

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
LEGEND_WIDTH_PX = 340  # the width a legend row has in a narrow dashboard tile
ROW_PX, TITLE_PX, EDGE_PX = 22, 44, 16
NO_LEGEND = ("pie", "funnel", "heatmap", "table", "indicator")


def legend_names(figure: go.Figure) -> list[str]:
    """The names the legend lists: one per trace when there are several, none for one trace."""
    traces = [t for t in figure.data if t.type not in NO_LEGEND and t.showlegend is not False and t.name]
    return [str(t.name) for t in traces] if len(traces) > 1 else []


def legend_rows(names: list[str], width: float = LEGEND_WIDTH_PX) -> int:
    """How many rows a horizontal legend of `names` takes: each entry is its text plus the swatch."""
    if not names:
        return 0
    return math.ceil(sum(text_width(n) + 44 for n in names) / width)


def frame_layout(figure: go.Figure, title: str | None) -> go.Figure:
    """Title at the top left, the legend in its own row under it, axes whose margins fit their labels."""
    names = [] if figure.layout.showlegend is False else legend_names(figure)
    top = (TITLE_PX if title else EDGE_PX) + legend_rows(names) * ROW_PX
    figure.update_layout(
        title={"text": title, "x": 0, "xref": "container", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 14, "l": 6}, "font": {"size": 15}},
        margin={"l": EDGE_PX, "r": EDGE_PX, "t": top, "b": EDGE_PX}, showlegend=bool(names),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom", "yref": "paper",
                "font": {"size": 12}},
        plot_bgcolor="white", colorway=list(PALETTE), font={"family": FONT})
    axes = {"xaxis": {"automargin": True}, "yaxis": {"automargin": True}}
    if "yaxis2" in figure.layout:
        axes["yaxis2"] = {"automargin": True}
    figure.update_layout(**axes)
    if any(t.type == "scatterpolar" for t in figure.data):
        _polar_margins(figure, top)
    return figure


def _polar_margins(figure: go.Figure, top: int) -> None:
    """A radar's category names sit outside its circle, where no automargin reaches: room for the longest line."""
    names = [str(n) for t in figure.data if t.type == "scatterpolar" for n in (t.theta or ())]
    lines = [line for n in names for line in n.split("<br>")]
    side = min(110, int(max((text_width(n) for n in lines), default=0)) + 16)
    figure.update_layout(margin={"l": side, "r": side, "t": top + 24, "b": 32})


def wrap(text: str, width: int = 14) -> str:
    """A long name in two lines at its middle space ("WeChat Mini<br>Program"), for labels around a radar.

    >>> wrap("WeChat Mini Program"), wrap("Tmall")
    ('WeChat Mini<br>Program', 'Tmall')
    """
    spaces = [i for i, c in enumerate(text) if c == " "]
    if len(text) <= width or not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{text[:cut]}<br>{text[cut + 1:]}"


def standalone(figure: go.Figure) -> go.Figure:
    """A copy that draws the same outside the app: Plotly's white theme, not Streamlit's placeholder colours.

    In the app's process Plotly's default template is Streamlit's, whose colours are stand-ins the app's
    browser code swaps; a file written from there would keep them and lose the axis margins.
    """
    return go.Figure(figure).update_layout(template="plotly_white")
