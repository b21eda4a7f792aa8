"""Propose a model for loaded tables, let the user rename and trim it, and save it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ingest.names import safe_name
from semantic.infer import propose_model
from semantic.model import AGGREGATIONS, FORMATS, SemanticModel, save_model
from semantic.model_edit import FieldEdit, apply_edits
from ui import resources
from ui.auth import require
from ui.governed import record_event
from ui.state import choose_model
from viz.i18n import t


def model_editor(tables: list[str], table: str, lang: str) -> None:
    chosen = st.multiselect(t("model.tables", lang), tables, default=[table], key=f"model_tables_{table}")
    name = safe_name(st.text_input(t("model.name", lang), value=safe_name(table), key=f"model_name_{table}"))
    if st.button(t("model.propose", lang), key=f"model_propose_{table}") and chosen:
        with resources.engine().reader() as con:
            st.session_state["model_proposal"] = propose_model(con, chosen, name)
    proposal: SemanticModel | None = st.session_state.get("model_proposal")
    if proposal is None or not set(proposal.tables) & set(chosen):
        return
    st.markdown(f"**{t('model.metrics', lang)}**")
    metrics = st.data_editor(_metric_rows(proposal, lang), key="model_metrics", hide_index=True, width="stretch",
                             column_config=_columns(lang, metric=True), disabled=["id", "definition"])
    st.markdown(f"**{t('model.dimensions', lang)}**")
    dimensions = st.data_editor(_dimension_rows(proposal), key="model_dimensions", hide_index=True,
                                width="stretch", column_config=_columns(lang, metric=False), disabled=["id"])
    if st.button(t("model.save", lang), type="primary", key="model_save"):
        require("edit_models")
        edited = apply_edits(proposal, _edits(metrics), _edits(dimensions), name)
        save_model(edited, resources.workspace().models / f"{name}.yaml")
        record_event("model_change", {"action": "save", "model": name, "tables": sorted(edited.tables),
                                      "metrics": len(edited.metrics), "dimensions": len(edited.dimensions)})
        choose_model(name)  # the sidebar shows it from the next run on
        st.success(t("model.saved", lang, name=name, metrics=len(edited.metrics), dimensions=len(edited.dimensions)))


def _metric_rows(model: SemanticModel, lang: str) -> list[dict[str, Any]]:
    return [{"keep": True, "id": n, "label_en": m.labels.get("en", n), "label_zh": m.labels.get("zh", ""),
             "synonyms": ", ".join(w for words in m.synonyms.values() for w in words), "format": m.format,
             "aggregation": model.measures[m.measure].agg if m.measure else None,
             "definition": model.definition(n)} for n, m in model.metrics.items()]


def _dimension_rows(model: SemanticModel) -> list[dict[str, Any]]:
    return [{"keep": True, "id": n, "label_en": d.labels.get("en", n), "label_zh": d.labels.get("zh", ""),
             "synonyms": ", ".join(w for words in d.synonyms.values() for w in words)}
            for n, d in model.dimensions.items()]


def _columns(lang: str, metric: bool) -> dict[str, Any]:
    config: dict[str, Any] = {
        "keep": st.column_config.CheckboxColumn(t("model.keep", lang)),
        "id": st.column_config.TextColumn(t("model.id", lang)),
        "label_en": st.column_config.TextColumn(t("model.label_en", lang)),
        "label_zh": st.column_config.TextColumn(t("model.label_zh", lang)),
        "synonyms": st.column_config.TextColumn(t("model.synonyms", lang)),
    }
    if metric:
        config["format"] = st.column_config.SelectboxColumn(t("model.format", lang), options=list(FORMATS))
        config["aggregation"] = st.column_config.SelectboxColumn(t("model.aggregation", lang),
                                                                 options=list(AGGREGATIONS))
        config["definition"] = st.column_config.TextColumn(t("model.definition", lang))
    return config


def _edits(rows: list[dict[str, Any]]) -> list[FieldEdit]:
    return [FieldEdit(id=r["id"], keep=bool(r["keep"]), label_en=r.get("label_en") or "",
                      label_zh=r.get("label_zh") or "", synonyms=r.get("synonyms") or "",
                      format=r.get("format"), aggregation=r.get("aggregation")) for r in rows]
