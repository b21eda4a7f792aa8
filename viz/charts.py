"""Charts of a semantic query's result: a small spec saved with a tile, and the Plotly figure it draws.

A `ChartSpec` says only which kind of chart and which result columns go where;
everything a reader sees — titles, axis names, tick labels, hover text — comes
from the model's labels and `viz.format`, so a Chinese chart reads 1.2亿 and
销售额 and an English one ¥120M and Revenue. Values are plotted exactly as the
query returned them, so a chart and its table show the same numbers.

>>> spec = ChartSpec("bar", x="channel", y=("revenue",))
>>> ChartSpec.from_dict(spec.to_dict()) == spec
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from errors import InputError
from semantic.model import SemanticModel
from semantic.query import GRAINS, SemanticQuery
from viz.chart_spec import CHART_KINDS, ChartSpec, resolve
from viz.figures import PALETTE, nice_ticks
from viz.format import format_change, format_value
from viz.i18n import t
from viz.labels import cell_text, column_format, column_label, escape_html, none_label, plain_numbers, query_title
from viz.layout import frame_layout, wrap
from viz.tables import table_figure, table_frame, totals_queries
from viz.time_axis import time_ticks

BAR_KINDS = ("bar", "bar_stacked", "bar_grouped", "bar_horizontal")
__all__ = ["CHART_KINDS", "ChartSpec", "build_figure", "resolve", "table_frame", "totals_queries", "value_axis"]


def build_figure(spec: ChartSpec, frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str,
                 sparkline: pl.DataFrame | None = None) -> go.Figure:
    """The Plotly figure of `frame` (the result of `query`) drawn as `spec` says, in `lang`.

    `sparkline` (the same metric by a time grain) draws under a KPI card.
    """
    spec, frame = resolve(spec, query), plain_numbers(frame)
    sparkline = plain_numbers(sparkline) if sparkline is not None else None
    missing = [c for c in (spec.x, spec.color, *spec.y) if c and c not in frame.columns]
    if missing:
        raise InputError(f"The chart needs the column(s) {', '.join(missing)}, which the result does not have.")
    figure = _BUILDERS[spec.kind](_Chart(spec, frame, query, model, lang, sparkline))
    title = None if spec.kind == "kpi" else escape_html(spec.title or query_title(query, model, lang))
    frame_layout(figure, title).update_layout(height=360)
    return figure.update_layout(margin={"t": 50}) if spec.kind == "kpi" else figure  # room for the KPI's name


@dataclass(frozen=True)
class _Chart:
    spec: ChartSpec
    frame: pl.DataFrame
    query: SemanticQuery
    model: SemanticModel
    lang: str
    sparkline: pl.DataFrame | None

    def label(self, column: str | None) -> str:
        return escape_html(column_label(column, self.model, self.lang)) if column else ""

    def text(self, value: object, column: str) -> str:
        return cell_text(value, column, self.model, self.lang, self.query.time_grain)

    def texts(self, values: list[object], column: str) -> list[str]:
        return [self.text(v, column) for v in values]

    def keys(self, values: list[object]) -> list[object]:
        """Category positions: the group without a value (orders with no campaign) gets its name, "(none)",
        as Plotly leaves out a bar or point whose x is missing."""
        if self.time_x:
            return values
        return [none_label(self.lang) if v is None else v for v in values]

    @property
    def time_x(self) -> bool:
        return self.spec.x in GRAINS

    def ordered(self) -> pl.DataFrame:
        """Categories by their first value (their total, when split by color), biggest first, unless the query
        set an order."""
        x, spec = self.spec.x, self.spec
        if self.time_x or self.query.order_by or not spec.y or x is None:
            return self.frame
        if not spec.color:
            return self.frame.sort(spec.y[0], descending=True, nulls_last=True)
        totals = self.frame.group_by(x).agg(pl.col(spec.y[0]).sum().alias("__total"))
        return self.frame.join(totals, on=x, how="left", nulls_equal=True) \
            .sort(["__total", x], descending=[True, False], nulls_last=True).drop("__total")

    def series(self) -> list[tuple[str, pl.DataFrame, str]]:
        """(legend name, rows, value column) per color value and metric."""
        frame = self.ordered()
        groups: list[tuple[object, pl.DataFrame]] = [(None, frame)]
        if self.spec.color:
            values = frame[self.spec.color].unique(maintain_order=True).to_list()
            groups = [(v, frame.filter(pl.col(self.spec.color).eq_missing(v))) for v in values]
        out = []
        for value, part in groups:
            for column in self.spec.y:
                name = self.label(column) if not self.spec.color else (
                    escape_html(self.text(value, self.spec.color)) if len(self.spec.y) == 1
                    else f"{escape_html(self.text(value, self.spec.color))} · {self.label(column)}")
                out.append((name, part, column))
        return out


def value_axis(values: list[Any], fmt: str, lang: str, currency: str) -> dict[str, Any]:
    """Ticks placed on round numbers and written by viz.format (1.2亿 / ¥120M, 35%)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    step = nice_ticks(high - low or 1.0)[1]
    ticks = [step * i for i in range(math.floor(low / step), math.ceil(high / step) + 1)]
    # The range ends on the outer ticks, so the tallest bar sits under a labelled line, not above the last one.
    return {"tickvals": ticks, "ticktext": [format_value(v, fmt, lang, currency) for v in ticks],
            "range": [ticks[0], ticks[-1]], "gridcolor": "#eef2f7", "zerolinecolor": "#cbd5e1"}


def _axis_for(chart: _Chart, columns: list[str]) -> dict[str, Any]:
    values = [v for c in columns for v in chart.frame[c].to_list()]
    stacked = chart.spec.kind == "bar_stacked" or (chart.spec.kind == "area" and chart.spec.color)
    if stacked and chart.spec.x:  # the axis must reach the top of the tallest stack
        sums = chart.frame.group_by(chart.spec.x).agg(pl.col(columns).sum())
        values += [v for c in columns for v in sums[c].to_list()]
    return value_axis(values, column_format(columns[0], chart.model) or "number", chart.lang, chart.model.currency)


def _category_axis(chart: _Chart) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": chart.label(chart.spec.x)}}
    if chart.time_x and chart.spec.x:
        dates = chart.frame[chart.spec.x].drop_nulls().unique().to_list()
        shown, texts = time_ticks(dates, chart.spec.x, chart.lang)
        axis.update(tickvals=shown, ticktext=[escape_html(text) for text in texts])
    elif chart.spec.x:
        values = chart.ordered()[chart.spec.x].unique(maintain_order=True).to_list()
        axis.update(type="category", tickvals=chart.keys(values),
                    ticktext=[escape_html(v) for v in chart.texts(values, chart.spec.x)])
    return axis


def _hover(chart: _Chart, part: pl.DataFrame, column: str) -> dict[str, Any]:
    xs = part[chart.spec.x].to_list() if chart.spec.x else [""] * part.height
    ys = part[column].to_list()
    data = [[chart.text(x, chart.spec.x or ""), chart.text(y, column), x] for x, y in zip(xs, ys, strict=True)]
    return {"customdata": data, "hovertemplate": "%{customdata[0]}<br>" + chart.label(column)
            + ": %{customdata[1]}<extra>%{fullData.name}</extra>"}


def _secondary(chart: _Chart) -> set[str]:
    """Metrics drawn against a right-hand axis: another format, or a scale 20 times apart (revenue vs AOV)."""
    first = chart.spec.y[0]

    def top(column: str) -> float:
        return max((abs(float(v)) for v in chart.frame[column].to_list() if v is not None), default=0.0)

    return {c for c in chart.spec.y[1:] if column_format(c, chart.model) != column_format(first, chart.model)
            or not 1 / 20 <= (top(c) or 1.0) / (top(first) or 1.0) <= 20}


def _cartesian(chart: _Chart) -> go.Figure:
    kind, figure, right = chart.spec.kind, go.Figure(), _secondary(chart)
    horizontal = kind == "bar_horizontal"
    for index, (name, part, column) in enumerate(chart.series()):
        xs = chart.keys(part[chart.spec.x].to_list()) if chart.spec.x else [chart.label(column)]
        ys = part[column].to_list()
        axis = {"yaxis": "y2"} if column in right and not horizontal else {}
        if kind in BAR_KINDS:
            trace: go.BaseTraceType = go.Bar(x=ys if horizontal else xs, y=xs if horizontal else ys, name=name,
                                             orientation="h" if horizontal else "v", **_hover(chart, part, column),
                                             offsetgroup=None if kind == "bar_stacked" else str(index), **axis)
        else:
            trace = go.Scatter(x=xs, y=ys, name=name, mode="lines+markers" if len(xs) < 40 else "lines",
                               stackgroup="one" if kind == "area" and chart.spec.color else None,
                               fill="tozeroy" if kind == "area" and not chart.spec.color else None,
                               **_hover(chart, part, column), **axis)
        figure.add_trace(trace)
    left = [c for c in chart.spec.y if c not in right] if not horizontal else list(chart.spec.y)
    values = {"title": {"text": " / ".join(chart.label(c) for c in left)}, **_axis_for(chart, left)}
    category = _category_axis(chart)
    if horizontal:
        category["autorange"] = "reversed"
    figure.update_layout(xaxis=values if horizontal else category, yaxis=category if horizontal else values,
                         barmode="stack" if kind == "bar_stacked" else "group", hovermode="closest")
    if right and not horizontal:
        figure.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False,
                                     "title": {"text": " / ".join(chart.label(c) for c in sorted(right))},
                                     **_axis_for(chart, sorted(right))})
    return figure


def _pie(chart: _Chart) -> go.Figure:
    frame, column = chart.ordered(), chart.spec.y[0]
    keys = frame[chart.spec.x].to_list() if chart.spec.x else [None]
    labels = chart.texts(keys, chart.spec.x) if chart.spec.x else [chart.label(column)]
    values = frame[column].to_list()
    return go.Figure(go.Pie(labels=[escape_html(v) for v in labels], values=values, sort=False,
                            hole=0.5 if chart.spec.kind == "donut" else 0, automargin=True,
                            customdata=[[v, k] for v, k in zip(chart.texts(values, column), keys, strict=True)],
                            textinfo="label+percent", hovertemplate="%{label}<br>" + chart.label(column)
                            + ": %{customdata[0]}<br>%{percent}<extra></extra>"))


def _scatter(chart: _Chart) -> go.Figure:
    """Two measures against each other, one point per category; one measure over a key otherwise."""
    spec = chart.spec
    x_col, y_col = (spec.y[0], spec.y[1]) if len(spec.y) > 1 else (spec.x or spec.y[0], spec.y[0])
    figure = go.Figure()
    groups = [(None, chart.frame)] if not spec.color else [
        (v, chart.frame.filter(pl.col(spec.color).eq_missing(v)))
        for v in chart.frame[spec.color].unique(maintain_order=True).to_list()]
    for value, part in groups:
        names = chart.texts(part[spec.x].to_list(), spec.x) if spec.x and len(spec.y) > 1 else [""] * part.height
        data = [[escape_html(n), chart.text(a, x_col), chart.text(b, y_col)]
                for n, a, b in zip(names, part[x_col].to_list(), part[y_col].to_list(), strict=True)]
        figure.add_trace(go.Scatter(
            x=part[x_col].to_list(), y=part[y_col].to_list(), mode="markers", customdata=data,
            name=escape_html(chart.text(value, spec.color)) if spec.color else chart.label(y_col),
            marker={"size": 11, "opacity": 0.8},
            hovertemplate="<b>%{customdata[0]}</b><br>" + chart.label(x_col) + ": %{customdata[1]}<br>"
            + chart.label(y_col) + ": %{customdata[2]}<extra></extra>"))
    x_axis: dict[str, Any] = {"title": {"text": chart.label(x_col)}}
    if column_format(x_col, chart.model):
        x_axis.update(_axis_for(chart, [x_col]))
    figure.update_layout(xaxis=x_axis, yaxis={"title": {"text": chart.label(y_col)}, **_axis_for(chart, [y_col])})
    return figure


def _by_total(chart: _Chart, key: str, column: str) -> list[Any]:
    """A heatmap's rows or columns, largest total first (a time axis stays in order); empty totals last."""
    frame = chart.frame.group_by(key).agg(pl.col(column).sum().alias("_total"))
    if chart.time_x and key == chart.spec.x:
        return frame.sort(key)[key].to_list()
    return frame.sort(["_total", key], descending=[True, False], nulls_last=True)[key].to_list()


def _heatmap(chart: _Chart) -> go.Figure:
    """Cells written by viz.format; a colour bar whose ticks are too; rows and columns largest total first."""
    spec, column = chart.spec, chart.spec.y[0]
    if not (spec.x and spec.color):
        raise InputError("A heatmap needs two dimensions (or a dimension and a time grain).")
    xs, ys = _by_total(chart, spec.x, column), _by_total(chart, spec.color, column)
    cells = {(a, b): v for a, b, v in chart.frame.select(spec.x, spec.color, column).iter_rows()}
    z = [[cells.get((a, b)) for a in xs] for b in ys]
    text = [[chart.text(v, column) for v in row] for row in z]
    scale = value_axis([v for row in z for v in row], column_format(column, chart.model) or "number", chart.lang,
                       chart.model.currency)
    figure = go.Figure(go.Heatmap(
        x=[escape_html(v) for v in chart.texts(xs, spec.x)], y=[escape_html(v) for v in chart.texts(ys, spec.color)],
        z=z, text=text, texttemplate="%{text}", colorscale="Blues", zmin=scale["range"][0], zmax=scale["range"][1],
        colorbar={"title": {"text": chart.label(column)}, "tickvals": scale["tickvals"],
                  "ticktext": scale["ticktext"]},
        hovertemplate="%{x} · %{y}<br>" + chart.label(column) + ": %{text}<extra></extra>"))
    figure.update_layout(xaxis={"title": {"text": chart.label(spec.x)}},
                         yaxis={"title": {"text": chart.label(spec.color)}, "autorange": "reversed"})
    return figure


def _funnel(chart: _Chart) -> go.Figure:
    """Stages: the categories of `x`, biggest first; without `x`, the metrics in order (impressions → clicks)."""
    frame, spec = chart.ordered(), chart.spec
    if spec.x:
        values, texts = frame[spec.y[0]].to_list(), chart.texts(frame[spec.y[0]].to_list(), spec.y[0])
        stages, keys = chart.texts(frame[spec.x].to_list(), spec.x), frame[spec.x].to_list()
    else:
        values = [frame[c][0] if frame.height else None for c in spec.y]
        texts = [chart.text(v, c) for v, c in zip(values, spec.y, strict=True)]
        stages, keys = [chart.label(c) for c in spec.y], list(spec.y)
    return go.Figure(go.Funnel(y=[escape_html(s) for s in stages], x=values, text=texts, customdata=keys,
                               textinfo="text+percent initial",
                               hovertemplate="%{y}: %{text}<br>%{percentInitial}<extra></extra>"))


def _radar(chart: _Chart) -> go.Figure:
    """One closed line per metric around the categories; several metrics are scaled to their maximum."""
    frame, figure = chart.ordered(), go.Figure()
    theta = [wrap(escape_html(v)) for v in chart.texts(frame[chart.spec.x].to_list(), chart.spec.x or "")]
    for column in chart.spec.y:
        values = frame[column].to_list()
        top = max((abs(v) for v in values if v is not None), default=1.0) or 1.0
        radius = values if len(chart.spec.y) == 1 else [None if v is None else v / top for v in values]
        figure.add_trace(go.Scatterpolar(r=[*radius, radius[0]] if radius else [], theta=[*theta, *theta[:1]],
                                         fill="toself", name=chart.label(column),
                                         customdata=[*chart.texts(values, column), *chart.texts(values[:1], column)],
                                         hovertemplate="%{theta}: %{customdata}<extra>%{fullData.name}</extra>"))
    if len(chart.spec.y) == 1:
        axis = _axis_for(chart, list(chart.spec.y))
        figure.update_layout(polar={"radialaxis": {k: axis[k] for k in ("tickvals", "ticktext", "gridcolor")}})
    return figure


def _kpi(chart: _Chart) -> go.Figure:
    """The number, its change against the comparison period, and a sparkline when one is given."""
    column, figure = chart.spec.y[0], go.Figure()
    value = chart.frame[column][-1] if chart.frame.height else None
    name = escape_html(chart.spec.title) if chart.spec.title else chart.label(column)
    annotations = [{"text": f"<b>{chart.text(value, column)}</b>", "y": 0.78, "font": {"size": 40}},
                   {"text": name, "y": 1.02, "font": {"size": 14, "color": "#64748b"}}]
    change = f"{column}__change_pct"
    if change in chart.frame.columns and chart.frame.height:
        ratio = chart.frame[change][-1]
        good = ratio is not None and (ratio >= 0) == chart.model.metrics[column].higher_is_better
        annotations.append({"text": t("dashboards.kpi_change", chart.lang, change=format_change(ratio, chart.lang)),
                            "y": 0.5, "font": {"size": 15, "color": "#16a34a" if good else "#dc2626"}})
    for note in annotations:
        figure.add_annotation(x=0.5, xref="paper", yref="paper", showarrow=False, **note)
    line = chart.sparkline
    if line is not None and line.height and column in line.columns:
        key = next(c for c in line.columns if c in GRAINS)
        figure.add_trace(go.Scatter(x=line[key].to_list(), y=line[column].to_list(), mode="lines",
                                    fill="tozeroy", line={"color": PALETTE[0]}, name=chart.label(column),
                                    customdata=chart.texts(line[key].to_list(), key), text=chart.texts(
                                        line[column].to_list(), column),
                                    hovertemplate="%{customdata}: %{text}<extra></extra>"))
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False, "domain": [0, 0.35]}, showlegend=False)
    return figure


def _map(chart: _Chart) -> go.Figure:
    from viz.geo import map_figure

    return map_figure(chart.frame, chart.spec, chart.model, chart.lang, chart.query.time_grain)


def _table(chart: _Chart) -> go.Figure:
    return table_figure(chart.spec, chart.frame, chart.query, chart.model, chart.lang)


_BUILDERS = {"kpi": _kpi, "line": _cartesian, "area": _cartesian, **dict.fromkeys(BAR_KINDS, _cartesian),
             "pie": _pie, "donut": _pie, "scatter": _scatter, "heatmap": _heatmap, "funnel": _funnel,
             "map": _map, "radar": _radar, "table": _table, "pivot": _table}
