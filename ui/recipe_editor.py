"""Cleaning without code: the table's steps in words, a form to add one, and undo."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ingest.catalog import CatalogEntry
from ingest.load import set_recipe
from ingest.recipe import CASE_MODES, CAST_TYPES, FILL_METHODS, FILTER_OPS, STEP_TYPES, describe, step_from_dict
from ui import resources
from ui.auth import require
from ui.governed import record_event
from ui.widgets import localized_choice
from viz.i18n import t


def recipe_editor(entry: CatalogEntry, lang: str) -> None:
    steps = [step_from_dict(s) for s in entry.recipe]
    st.markdown(f"**{t('clean.steps', lang)}**")
    if steps:
        st.markdown("\n".join(f"{n}. {describe(s, lang)}" for n, s in enumerate(steps, 1)))
        if st.button(t("clean.undo", lang), key=f"undo_{entry.table}"):
            require("load_data")
            set_recipe(resources.workspace().warehouse, entry, steps[:-1])
            record_event("data_load", {"action": "undo cleaning step", "table": entry.table})
            st.rerun()
    else:
        st.caption(t("clean.no_steps", lang))
    columns = [c.name for c in entry.columns]
    op = localized_choice(st.selectbox, t("clean.operation", lang), list(STEP_TYPES), f"op_{entry.table}", lang,
                          lambda o: t(f"clean.op_{o}", lang))
    fields = _step_fields(op, columns, lang, entry.table)
    if st.button(t("clean.apply", lang), type="primary", key=f"apply_{entry.table}"):
        require("load_data")
        step = step_from_dict({"op": op, **fields})
        set_recipe(resources.workspace().warehouse, entry, [*steps, step])
        record_event("data_load", {"action": "cleaning step", "table": entry.table, "step": op})
        st.rerun()


def _step_fields(op: str, columns: list[str], lang: str, table: str) -> dict[str, Any]:
    """The inputs one kind of step needs, as the keyword arguments of that step."""
    key = f"{table}_{op}"
    column = (lambda: st.selectbox(t("clean.column", lang), columns, key=f"col_{key}"))  # noqa: E731
    text = (lambda label, default="": st.text_input(t(label, lang), value=default, key=f"{label}_{key}"))  # noqa: E731
    words = (lambda label: [w.strip() for w in text(label).split(",") if w.strip()])  # noqa: E731
    if op == "rename":
        return {"column": column(), "to": text("clean.new_name")}
    if op == "cast":
        return {"column": column(), "to": st.selectbox(t("clean.to_type", lang), list(CAST_TYPES), key=f"to_{key}")}
    if op in ("trim",):
        return {"column": column()}
    if op == "case":
        return {"column": column(), "mode": st.selectbox(t("clean.mode", lang), CASE_MODES, key=f"mode_{key}")}
    if op == "fill":
        return {"column": column(), "method": st.selectbox(t("clean.method", lang), FILL_METHODS, key=f"m_{key}"),
                "value": text("clean.value") or None}
    if op == "drop_duplicates":
        return {"keys": st.multiselect(t("clean.keys", lang), columns, key=f"keys_{key}")}
    if op == "filter":
        operator = st.selectbox(t("clean.op", lang), FILTER_OPS, key=f"fop_{key}")
        value: Any = words("clean.value") if operator in ("in", "not in") else text("clean.value")
        return {"column": column(), "operator": operator, "value": value if value != "" else None}
    if op == "split":
        return {"column": column(), "separator": text("clean.separator", ","), "into": words("clean.into")}
    if op == "merge":
        chosen = st.multiselect(t("clean.columns", lang), columns, key=f"cols_{key}")
        return {"columns": chosen, "separator": text("clean.separator", " "), "into": text("clean.new_name")}
    if op == "map_values":
        lines = st.text_area(t("clean.mapping", lang), key=f"map_{key}").splitlines()
        pairs = [line.split("=>", 1) for line in lines if "=>" in line]
        return {"column": column(), "mapping": {a.strip(): b.strip() for a, b in pairs}}
    return {"name": text("clean.name"), "expression": text("clean.expression")}
