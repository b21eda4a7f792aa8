"""Figures of the Segments page: treemap, silhouette by k, radar, PCA scatter, lifecycle bars, calibration."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from viz.figures import nice_ticks
from viz.format import format_value
from viz.i18n import t
from viz.layout import ROW_PX, legend_rows, wrap
from viz.time_axis import text_width


def treemap(table: pl.DataFrame, lang: str) -> go.Figure:
    shown = table.filter(pl.col("customers") > 0)
    figure = px.treemap(names=shown["segment"].to_list(), parents=[""] * shown.height,
                        values=shown["customers"].to_list(), color=shown["revenue_share"].to_list(),
                        color_continuous_scale="Blues")
    top = max(shown["revenue_share"].to_list(), default=0.0) or 1.0
    ticks = [v for v in nice_ticks(float(top), 4) if v <= top]
    figure.update_layout(margin={"t": 10, "l": 0, "r": 0, "b": 0}, coloraxis_colorbar={
        "title": {"text": t("segments.col.revenue_share", lang)}, "tickvals": ticks,
        "ticktext": [format_value(v, "percent", lang) for v in ticks]})
    return figure


def percent_axis(lang: str) -> dict[str, object]:
    """A 0–100% axis (a probability), ticks written by viz.format."""
    ticks = [i / 5 for i in range(6)]
    return {"tickvals": ticks, "ticktext": [format_value(v, "percent", lang) for v in ticks], "range": [0, 1]}


def silhouette_line(scores: dict[int, float], lang: str) -> go.Figure:
    figure = px.line(x=list(scores), y=list(scores.values()), markers=True,
                     labels={"x": "k", "y": t("segments.silhouette_by_k", lang)})
    figure.update_layout(margin={"t": 10}, height=260)
    return figure


def radar(profile: pl.DataFrame, names: dict[int, str], features: list[str], titles: list[str]) -> go.Figure:
    """Each cluster's features against the overall mean, the feature names whole around the circle."""
    figure, wrapped = go.Figure(), [wrap(title) for title in titles]
    for row in profile.iter_rows(named=True):
        values = [row[f"{f}_vs_mean"] for f in features]
        figure.add_trace(go.Scatterpolar(r=[*values, values[0]], theta=[*wrapped, wrapped[0]],
                                         name=names[row["cluster"]], fill="toself", opacity=0.5))
    lines = [line for title in wrapped for line in title.split("<br>")]
    side = min(120, int(max((text_width(line) for line in lines), default=0)) + 16)
    rows = legend_rows([str(n) for n in names.values()])
    figure.update_layout(height=380 + rows * ROW_PX, polar={"radialaxis": {"visible": True}},
                         margin={"t": 36 + rows * ROW_PX, "b": 36, "l": side, "r": side},
                         legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "top",
                                 "yref": "container"})
    return figure


def pca_scatter(points: pl.DataFrame, names: dict[int, str]) -> go.Figure:
    labelled = points.with_columns(pl.col("cluster").replace_strict(names, return_dtype=pl.String).alias("name"))
    figure = px.scatter(labelled.to_pandas(), x="pc1", y="pc2", color="name", opacity=0.6)
    figure.update_layout(margin={"t": 10}, height=380, legend_title_text="")
    return figure


def stage_bars(stages: pl.DataFrame, lang: str) -> go.Figure:
    figure = px.bar(x=stages["stage"].to_list(), y=stages["customers"].to_list(),
                    labels={"x": t("segments.col.stage", lang), "y": t("segments.col.customers", lang)})
    figure.update_layout(margin={"t": 10}, height=300)
    return figure


def calibration(curves: pl.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure()
    for curve in ("model", "baseline"):
        part = curves.filter(pl.col("curve") == curve)
        figure.add_trace(go.Scatter(x=part["predicted"].to_list(), y=part["observed"].to_list(),
                                    mode="lines+markers", name=t(f"segments.{curve}", lang)))
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"},
                                showlegend=False))
    figure.update_layout(margin={"t": 10}, height=340,
                         xaxis={**percent_axis(lang), "title": {"text": t("segments.predicted", lang)}},
                         yaxis={**percent_axis(lang), "title": {"text": t("segments.observed", lang)}})
    return figure
