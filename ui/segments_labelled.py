"""The Segments page for a snapshot table with a churn label (Telco-style): train, show held-out metrics, save."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ml.export import export_bytes
from ml.governed import Warehouse, restricted
from ml.labelled import LabelledResult, guess_label, train_labelled
from ml.mapping import columns_of
from ml.publish import publish_churn
from ui.auth import require
from ui.governed import record_event
from viz.format import format_value
from viz.i18n import t
from workspace.home import Workspace

LABELLED = "segments_labelled"


def label_column(engine: Warehouse, table: str) -> str | None:
    """The table's churn label column, when it looks like a labelled snapshot rather than transactions."""
    with engine.reader() as con:
        return guess_label(columns_of(con, table))


def shown_scores(ranked: pl.DataFrame, customer: str, lang: str) -> pl.DataFrame:
    """The scores as the page shows them: the customer under a translated title, the probability as a percentage
    (the download keeps the table's own id column and raw probabilities)."""
    probability = t("segments.probability", lang)
    return ranked.with_columns(pl.col(probability).map_elements(lambda p: format_value(p, "percent", lang),
                                                                return_dtype=pl.String)).rename(
        {customer: t("segments.col.customer", lang)})


def labelled_panel(engine: Warehouse, table: str, guessed: str, lang: str) -> None:
    with engine.reader() as con:
        names = list(columns_of(con, table))
    st.info(t("segments.labelled_intro", lang, label=guessed))
    label = st.selectbox(t("segments.label", lang), names, index=names.index(guessed), key=f"seg_label_{table}")
    if st.button(t("segments.train", lang), key="seg_train", type="primary"):
        with st.spinner(t("segments.step.churn", lang)), engine.reader() as con:
            st.session_state[LABELLED] = train_labelled(con, table, label)
    result: LabelledResult | None = st.session_state.get(LABELLED)
    if result is None or result.table != table:
        return
    columns = st.columns(3)
    for column, name in zip(columns, ("roc_auc", "pr_auc", "lift_top_decile"), strict=True):
        column.metric(t(f"segments.metric.{name}", lang), f"{result.metrics[name]:.3f}")
    st.caption(t("segments.held_out", lang, rows=int(result.metrics["test_rows"])))
    ranked = result.scores.sort("churn_probability", descending=True).select(
        pl.col("customer").alias(result.customer), pl.col("churn_probability").round(3).alias(
            t("segments.probability", lang)),
        pl.col("churn_risk").replace_strict({r: t(f"segments.risk.{r}", lang) for r in ("high", "medium", "low")})
        .alias(t("segments.col.risk", lang)))
    st.dataframe(shown_scores(ranked.head(200), result.customer, lang), hide_index=True)
    if st.button(t("segments.save", lang), key="seg_save_labelled"):
        require("load_data")  # the scores are written back to the warehouse
        if restricted(engine):
            st.error(t("segments.policy_not_saved", lang))
        else:
            published = publish_churn(engine.path, Workspace(engine.path.parent).meta, result, table,
                                      {"table": table, "label": label, "seed": 42})
            record_event("data_load", {"table": published.table, "source": table})
            st.success(t("segments.saved_no_model", lang, table=published.table, run=published.run_id))
    st.download_button(t("segments.download", lang), export_bytes(ranked, ranked.columns, "csv"),
                       file_name=f"{table}_churn.csv", key="seg_download_labelled", on_click=record_event,
                       args=("export", {"what": "churn_scores", "table": table, "rows": ranked.height}))
