"""Figures of the Segments page: treemap, silhouette by k, radar, PCA scatter, lifecycle bars, calibration."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from viz.i18n import t


def treemap(table: pl.DataFrame, lang: str) -> go.Figure:
    shown = table.filter(pl.col("customers") > 0)
    figure = px.treemap(names=shown["segment"].to_list(), parents=[""] * shown.height,
                        values=shown["customers"].to_list(), color=shown["revenue_share"].to_list(),
                        color_continuous_scale="Blues")
    figure.update_layout(margin={"t": 10, "l": 0, "r": 0, "b": 0}, coloraxis_colorbar_title=t(
        "segments.col.revenue_share", lang))
    return figure


def silhouette_line(scores: dict[int, float], lang: str) -> go.Figure:
    figure = px.line(x=list(scores), y=list(scores.values()), markers=True,
                     labels={"x": "k", "y": t("segments.silhouette_by_k", lang)})
    figure.update_layout(margin={"t": 10}, height=260)
    return figure


def radar(profile: pl.DataFrame, names: dict[int, str], features: list[str], titles: list[str]) -> go.Figure:
    figure = go.Figure()
    for row in profile.iter_rows(named=True):
        values = [row[f"{f}_vs_mean"] for f in features]
        figure.add_trace(go.Scatterpolar(r=[*values, values[0]], theta=[*titles, titles[0]],
                                         name=names[row["cluster"]], fill="toself", opacity=0.5))
    figure.update_layout(margin={"t": 20}, height=380, polar={"radialaxis": {"visible": True}})
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
    figure.update_layout(margin={"t": 10}, height=340, xaxis_title=t("segments.predicted", lang),
                         yaxis_title=t("segments.observed", lang))
    return figure
