"""One person, one id: choose key columns across tables, resolve, and show what merged."""

from __future__ import annotations

import streamlit as st

from ingest.catalog import CatalogEntry
from ingest.identity import KINDS, KeyColumn, unify_customers
from ui import resources
from ui.auth import require
from ui.governed import record_event
from viz.format import format_value
from viz.i18n import t


def identity_editor(entries: list[CatalogEntry], lang: str) -> None:
    st.caption(t("identity.help", lang))
    columns = [f"{e.table}.{c.name}" for e in entries for c in e.columns]
    first = {e.table: e.columns[0].name for e in entries if e.columns}
    rows = st.data_editor({"column": [None], "kind": ["phone"]}, num_rows="dynamic", key="identity_keys",
                          width="stretch", column_config={
                              "column": st.column_config.SelectboxColumn(t("identity.column", lang), options=columns),
                              "kind": st.column_config.SelectboxColumn(t("identity.kind", lang), options=list(KINDS))})
    chosen = [(c.split(".", 1), k) for c, k in zip(rows["column"], rows["kind"], strict=True) if c and k]
    tables = list(dict.fromkeys(table for (table, _), _ in chosen))
    row_keys = {table: st.selectbox(f"{t('identity.row_key', lang)} · {table}",
                                    [c.name for e in entries if e.table == table for c in e.columns],
                                    key=f"identity_row_{table}") for table in tables}
    output = st.text_input(t("identity.output", lang), value="customer_identity", key="identity_output")
    if st.button(t("identity.run", lang), type="primary", key="identity_run") and chosen:
        keys = [KeyColumn(table, column, kind, row_keys.get(table, first[table])) for (table, column), kind in chosen]
        require("load_data")
        report = unify_customers(resources.workspace().warehouse, keys, output)
        record_event("data_load", {"action": "unify", "table": report.output, "records": report.records})
        st.success(t("identity.result", lang, records=format_value(report.records, "integer", lang, full=True),
                     persons=format_value(report.persons, "integer", lang, full=True),
                     merged=format_value(report.merged_records, "integer", lang, full=True)))
        if report.examples:
            st.markdown(f"**{t('identity.examples', lang)}**")
            st.dataframe([{"person": e.person_id, "records": ", ".join(f"{a}#{b}" for a, b in e.records),
                           "keys": ", ".join(e.keys)} for e in report.examples], hide_index=True, width="stretch")
