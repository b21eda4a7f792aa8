"""The Segments page's result tabs: RFM, clusters, lifecycle, churn, save and export."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from ml.analysis import Analysis, customer_table
from ml.churn import warning_list
from ml.churn_factors import explain
from ml.export import export_bytes
from ml.governed import Warehouse, restricted
from ml.lifecycle import stage_table
from ml.publish import publish_segments
from ml.rfm import segment_table, transitions
from semantic.model import SemanticModel
from ui import segments_charts as charts
from ui.auth import require
from ui.governed import record_event
from ui.segments_run import earlier_rfm, renamed
from viz.format import format_date, format_value
from viz.i18n import error_text, t
from workspace import clock
from workspace.home import Workspace

PLOTLY = {"displaylogo": False}
ROW_PX = 35  # a dataframe row (and its header) in pixels


def fit_height(rows: int) -> int:
    """A dataframe height that shows every row and the header, without an inner scroll bar."""
    return ROW_PX * (rows + 1) + 3


def _numbers(frame: pl.DataFrame, formats: dict[str, str], lang: str) -> pl.DataFrame:
    """Numbers as the language writes them (万 and 亿 in Chinese)."""
    return frame.with_columns(pl.col(c).map_elements(lambda v, f=f: format_value(v, f, lang), return_dtype=pl.String)
                              for c, f in formats.items())


def _formatted(frame: pl.DataFrame, formats: dict[str, str], lang: str) -> pl.DataFrame:
    """Numbers formatted and column titles translated."""
    shown = _numbers(frame, formats, lang)
    return shown.rename({c: t(f"segments.col.{c}", lang) for c in shown.columns})


def rfm_panel(engine: Warehouse, analysis: Analysis, lang: str) -> None:
    table = segment_table(analysis.rfm, lang)
    shown = table.select("segment", "rule", "customers", "share", "revenue_share", "avg_recency_days",
                         "avg_frequency", "avg_monetary")
    formats = {"customers": "integer", "share": "percent", "revenue_share": "percent", "avg_recency_days": "number",
               "avg_frequency": "number", "avg_monetary": "currency"}
    st.dataframe(_formatted(shown, formats, lang), hide_index=True, height=fit_height(shown.height))
    st.caption(t("segments.definition.rfm", lang, churned=analysis.limits.churned_days))
    st.caption(t("segments.treemap", lang))
    st.plotly_chart(charts.treemap(table, lang), config=PLOTLY)
    as_of = analysis.params.as_of or clock.today()
    earlier = st.date_input(t("segments.compare_date", lang), value=as_of - dt.timedelta(days=90),
                            max_value=as_of, key="seg_compare")
    st.caption(t("segments.transitions", lang))
    matrix = transitions(earlier_rfm(engine, analysis, earlier), analysis.rfm, lang)
    counts = [c for c in matrix.columns if c != "from" and matrix[c].dtype.is_numeric()]  # 2,870, not 2870
    matrix = matrix.with_columns(pl.col(c).map_elements(lambda v: format_value(v, "integer", lang, full=True),
                                                        return_dtype=pl.String) for c in counts)
    st.table(matrix.rename({"from": t("segments.col.from", lang)}), hide_index=True)  # wraps its headers: no scroll


def cluster_panel(analysis: Analysis, lang: str) -> Analysis:
    """Profiles, radar, PCA scatter and renaming; returns the analysis with the user's names."""
    result = analysis.clustering
    st.markdown(t("segments.chosen_k", lang, k=result.k, silhouette=f"{result.silhouette:.3f}"),
                help=t("segments.chosen_k_help", lang))
    if len(result.scores) > 1:
        st.plotly_chart(charts.silhouette_line(result.scores, lang), config=PLOTLY)
    with st.expander(t("segments.rename", lang)):
        names = {n: st.text_input(f"{t('segments.col.cluster', lang)} {n}", value=analysis.cluster_name(n, lang),
                                  key=f"seg_name_{n}_{lang}") for n in result.names}
    analysis = renamed(analysis, {n: v for n, v in names.items() if v != analysis.cluster_name(n, lang)})
    labels = {n: analysis.cluster_name(n, lang) for n in result.names}
    features = [c.removesuffix("_vs_mean") for c in result.profile.columns if c.endswith("_vs_mean")]
    st.caption(t("segments.profile", lang))
    profile = result.profile.with_columns(pl.col("cluster").replace_strict(labels, return_dtype=pl.String)
                                          .alias("name"))
    shown = profile_view(profile, features, lang)
    st.dataframe(shown, hide_index=True, height=fit_height(shown.height),
                 column_config={t("segments.col.name", lang): st.column_config.Column(width="medium")})
    left, right = st.columns(2)
    left.caption(t("segments.radar", lang))
    left.plotly_chart(charts.radar(result.profile, labels, features, [feature_title(f, lang) for f in features]),
                      config=PLOTLY)
    right.caption(t("segments.pca", lang))
    right.plotly_chart(charts.pca_scatter(result.projection, labels), config=PLOTLY)
    return analysis


def feature_title(feature: str, lang: str) -> str:
    """A feature's name in the language; the user's extra columns keep their own names."""
    return feature.removeprefix("extra_") if feature.startswith("extra_") else t(f"segments.feature.{feature}", lang)


def profile_view(profile: pl.DataFrame, features: list[str], lang: str) -> pl.DataFrame:
    """The profile table with translated titles, each feature's mean written the language's way beside its ratio
    to the overall mean (one column per feature, so the table fits the page)."""
    formats = {"monetary": "currency", "avg_order_value": "currency"}
    shown = _numbers(profile.select("name", "customers", "share"), {"customers": "integer", "share": "percent"}, lang)
    cells = [pl.Series(feature_title(f, lang), [
        f"{format_value(mean, formats.get(f, 'number'), lang)} (×{format_value(ratio, 'ratio', lang)})"
        for mean, ratio in zip(profile[f], profile[f"{f}_vs_mean"], strict=True)], dtype=pl.String) for f in features]
    titles = {c: t(f"segments.col.{c}", lang) for c in ("name", "customers", "share")}
    return shown.rename(titles).with_columns(cells)


def lifecycle_panel(analysis: Analysis, lang: str) -> None:
    st.markdown(t("segments.cycle", lang, days=f"{analysis.limits.cycle_days:.0f}"))
    st.caption(t("segments.definition.lifecycle", lang, churned=analysis.limits.churned_days))
    stages = stage_table(analysis.stages, lang, analysis.limits)
    st.dataframe(_formatted(stages.select("stage", "rule", "customers", "share"),
                            {"customers": "integer", "share": "percent"}, lang), hide_index=True)
    st.plotly_chart(charts.stage_bars(stages, lang), config=PLOTLY)


def churn_panel(analysis: Analysis, lang: str) -> None:
    churn = analysis.churn
    if churn is None:
        st.info(t("segments.churn_skipped", lang, reason=error_text(analysis.churn_note, lang) if analysis.churn_note
                  else "–"))
        return
    st.caption(t("segments.churn_window", lang, days=churn.horizon_days, train=format_date(churn.train_cutoff, lang),
                 test=format_date(churn.test_cutoff, lang)))
    st.caption(t("segments.definition.churn", lang, days=churn.horizon_days, cycle=f"{churn.cycle_days:.0f}",
                 churned=analysis.limits.churned_days))
    columns = st.columns(4)
    for column, name in zip(columns, ("roc_auc", "pr_auc", "lift_top_decile", "baseline_roc_auc"), strict=True):
        column.metric(t(f"segments.metric.{name}", lang), f"{churn.metrics[name]:.3f}")
    st.caption(t("segments.calibration", lang))
    st.plotly_chart(charts.calibration(churn.calibration, lang), config=PLOTLY)
    st.subheader(t("segments.warning_list", lang))
    st.dataframe(warnings_shown(analysis, lang, 200), hide_index=True)


def warnings(analysis: Analysis, lang: str, limit: int = 500) -> pl.DataFrame:
    """The warning list with each customer's reasons, in the page's language."""
    assert analysis.churn is not None
    rows = warning_list(analysis.churn, limit, analysis.limits.churned_days)
    key = analysis.params.mapping.customer
    return rows.with_columns(explain(analysis.churn, rows, lang).alias("factors")).select(
        pl.col("customer").alias(key), pl.col("churn_probability").round(3).alias(t("segments.probability", lang)),
        pl.col("churn_risk").replace_strict({r: t(f"segments.risk.{r}", lang) for r in ("high", "medium", "low")})
        .alias(t("segments.col.risk", lang)),
        pl.col("expected_loss").round(2).alias(t("segments.expected_loss", lang)),
        pl.col("factors").alias(t("segments.factors", lang)))


def warnings_shown(analysis: Analysis, lang: str, limit: int) -> pl.DataFrame:
    """The warning list as the page shows it: the customer under a translated title, the probability as a
    percentage and the value at risk as money (¥, separators, 万 in Chinese); the export keeps raw numbers."""
    listed = warnings(analysis, lang, limit)
    shown = _numbers(listed, {t("segments.probability", lang): "percent",
                              t("segments.expected_loss", lang): "currency"}, lang)
    return shown.rename({analysis.params.mapping.customer: t("segments.col.customer", lang)})


def export_panel(engine: Warehouse, model: SemanticModel, analysis: Analysis, lang: str) -> None:
    if st.button(t("segments.save", lang), key="seg_save", type="primary"):
        require("load_data")  # the segments are written back to the warehouse
        if restricted(engine):
            st.error(t("segments.policy_not_saved", lang))
        else:
            published = publish_segments(engine.path, Workspace(engine.path.parent).meta, model, analysis)
            record_event("data_load", {"table": published.table, "source": analysis.params.mapping.table})
            key = "segments.saved" if published.model_file else "segments.saved_no_model"
            st.success(t(key, lang, table=published.table, run=published.run_id))
    table = customer_table(analysis, lang)
    st.subheader(t("segments.export_segments", lang))
    chosen = st.multiselect(t("segments.export_choose", lang), sorted(table["rfm_segment"].unique().to_list()),
                            key="seg_export_segments", placeholder=t("segments.export_all_segments", lang))
    columns = st.multiselect(t("segments.export_columns", lang), table.columns, key="seg_export_columns",
                             placeholder=t("segments.extras_placeholder", lang),
                             default=[analysis.params.mapping.customer, "rfm_segment", "cluster_name",
                                      "lifecycle_stage", "churn_risk"])
    fmt = st.radio(t("segments.format", lang), ("csv", "xlsx"), horizontal=True, key="seg_export_format")
    selected = table.filter(pl.col("rfm_segment").is_in(chosen)) if chosen else table
    if columns:
        st.download_button(t("segments.download", lang), export_bytes(selected, columns, fmt),
                           file_name=f"segments.{fmt}", key="seg_download", on_click=record_event,
                           args=("export", {"what": "segments", "format": fmt, "rows": selected.height}))
    if analysis.churn is not None:
        st.subheader(t("segments.export_warnings", lang))
        listed = warnings(analysis, lang)
        st.download_button(t("segments.download", lang), export_bytes(listed, listed.columns, fmt),
                           file_name=f"churn_warnings.{fmt}", key="seg_download_warnings", on_click=record_event,
                           args=("export", {"what": "churn_warnings", "format": fmt, "rows": listed.height}))
