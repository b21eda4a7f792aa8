"""Data: upload a file, connect a database or an API; then profile, clean and model each table."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ingest import connectors
from ingest.catalog import CatalogEntry, read_catalog
from ingest.files import sheet_names
from ingest.load import LoadReport, drop, load_file
from ingest.names import safe_name
from ingest.profile import profile_table
from ingest.rest import RestSpec
from ml.governed import check_table
from ui import resources
from ui.auth import require
from ui.governed import analysis_engine, record_event
from ui.identity_editor import identity_editor
from ui.model_editor import model_editor
from ui.profile_view import show_profile
from ui.recipe_editor import recipe_editor
from ui.shown import shown_errors
from ui.state import session
from ui.widgets import local_time, localized_choice
from viz.format import format_value
from viz.i18n import t
from workspace.settings import Settings
from workspace.uploads import MB, save_upload

lang = session().lang


def count(value: int) -> str:
    return format_value(value, "integer", lang, full=True)


def report(loaded: LoadReport, source: str) -> None:
    """Say what was loaded, and append it to the audit log."""
    record_event("data_load", {"table": loaded.table, "rows": loaded.rows, "source": source})
    st.success(t("data.loaded", lang, rows=count(loaded.rows), table=loaded.table, seconds=f"{loaded.seconds:.1f}"))
    if loaded.rejects:
        st.warning(t("data.rejects", lang, count=count(loaded.rejects), table=loaded.rejects_table))
    session().table = loaded.table
    st.session_state["data_table"] = loaded.table  # the Tables tab opens on what was just loaded


def saved_upload(file: UploadedFile) -> Path:
    """Write an upload to the workspace once per file, not on every rerun."""
    key = f"upload_saved_{file.file_id}"
    if key not in st.session_state:
        chunks = iter([file.getbuffer().tobytes()])
        st.session_state[key] = save_upload(resources.workspace().uploads, file.name, chunks)
    return st.session_state[key]


def upload_section() -> None:
    ws = resources.workspace()
    limit = Settings(ws.home).get("max_upload_mb")
    file = st.file_uploader(t("data.uploader", lang), key="upload_file", max_upload_size=limit,
                            type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "json", "ndjson", "jsonl", "gz"])
    if file is None:
        return
    if file.size > limit * MB:
        st.error(t("data.too_big", lang, name=file.name, size=f"{file.size / MB:,.1f}", limit=f"{limit:,}"))
        return
    saved = saved_upload(file)
    sheets = sheet_names(saved)
    chosen = st.multiselect(t("data.sheets", lang), sheets, default=sheets, key=f"upload_sheets_{file.file_id}",
                            placeholder=t("data.sheets_all", lang)) if sheets else None
    name = st.text_input(t("data.table_name", lang), value=safe_name(saved.name.split(".")[0], "table"),
                         key=f"upload_table_{file.file_id}")
    if st.button(t("data.load", lang), type="primary", key="upload_load"):
        require("load_data")
        with st.status(t("data.loading", lang, name=saved.name)):
            reports = load_file(ws.warehouse, saved, safe_name(name, "table"), chosen or None)
        for loaded in reports:
            report(loaded, saved.name)


def database_section() -> None:
    uri = st.text_input(t("data.uri", lang), type="password", help=t("data.uri_help", lang), key="db_uri")
    name = st.text_input(t("data.connection_name", lang), value="warehouse_db", key="db_name")
    if st.button(t("data.list_tables", lang), key="db_list") and uri:
        require("manage_connections")  # the URI is kept as a workspace connection
        st.session_state["db_tables_found"] = connectors.save_and_list(resources.workspace(), name, uri)
    found = st.session_state.get("db_tables_found", [])
    if not found:
        return
    st.caption(t("data.tables_found", lang, count=len(found)))
    tables = st.multiselect(t("data.db_tables", lang), found, key="db_pick", placeholder=t("data.db_tables_pick", lang))
    live = localized_choice(st.radio, t("data.mode", lang), ["import", "live"], "db_mode", lang,
                            lambda m: t(f"data.mode_{m}", lang), horizontal=True) == "live"
    if st.button(t("data.load", lang), type="primary", key="db_load") and tables:
        require("edit_models" if live else "load_data")
        with st.status(t("data.loading", lang, name=", ".join(tables))):
            if live:
                model = connectors.save_live_model(resources.workspace(), name, tables)
                record_event("model_change", {"action": "live model", "model": model, "tables": tables})
                st.success(t("data.live_saved", lang, model=model))
                return
            for loaded in connectors.import_tables(resources.workspace(), name, tables):
                report(loaded, f"connection {name}")


def rest_section() -> None:
    url = st.text_input(t("data.rest_url", lang), key="rest_url")
    headers = st.data_editor({"name": [""], "value": [""]}, num_rows="dynamic", key="rest_headers",
                             column_config={"name": t("data.rest_headers", lang)})
    records = st.text_input(t("data.rest_records", lang), key="rest_records")
    paging = localized_choice(st.radio, t("data.rest_paging", lang), ["none", "page", "cursor"], "rest_paging",
                              lang, lambda p: t(f"data.rest_paging_{p}", lang), horizontal=True)
    extra: dict[str, str] = {}
    if paging == "page":
        extra["page_param"] = st.text_input(t("data.rest_page_param", lang), value="page", key="rest_page_param")
    elif paging == "cursor":
        extra["cursor_path"] = st.text_input(t("data.rest_cursor_path", lang), key="rest_cursor_path")
        extra["cursor_param"] = st.text_input(t("data.rest_cursor_param", lang), value="cursor", key="rest_cparam")
    table = st.text_input(t("data.table_name", lang), value="api_data", key="rest_table")
    if st.button(t("data.rest_fetch", lang), type="primary", key="rest_load") and url:
        require("load_data")
        pairs = {h: v for h, v in zip(headers["name"], headers["value"], strict=True) if h and h.strip()}
        spec = RestSpec(url=url.strip(), headers=pairs, records_path=records.strip(), paging=paging, **extra)
        with st.status(t("data.loading", lang, name=url)):
            report(connectors.load_rest(resources.workspace(), spec, safe_name(table, "api_data")), spec.url)


def tables_section() -> None:
    if not resources.workspace().warehouse.exists():
        st.info(t("data.no_tables", lang))
        return
    engine = resources.engine()
    entries = read_catalog(engine)
    if not entries:
        st.info(t("data.no_tables", lang))
        return
    st.dataframe([{t("data.catalog_table", lang): e.table, t("data.catalog_origin", lang): e.origin,
                   t("data.catalog_loaded", lang): local_time(e.loaded_at), t("data.catalog_rows", lang): e.rows}
                  for e in entries], hide_index=True, width="stretch",
                 column_config={t("data.catalog_rows", lang): st.column_config.NumberColumn(format="localized")})
    names = [e.table for e in entries]
    current = session().table if session().table in names else names[0]
    table = st.selectbox(t("data.pick_table", lang), names, index=names.index(current), key="data_table")
    session().table = table
    entry = next(e for e in entries if e.table == table)
    table_actions(entry)
    profile_tab, clean_tab, model_tab = st.tabs([t("data.tab_profile", lang), t("data.tab_clean", lang),
                                                 t("data.tab_model", lang)])
    with profile_tab, shown_errors(lang):
        model = resources.model()
        governed = analysis_engine(model)  # a restricted editor profiles only the rows their policy shows
        check_table(governed, model, table)
        show_profile(profile_table(governed, table), lang)  # type: ignore[arg-type] - runs through the policy
    with clean_tab, shown_errors(lang):
        recipe_editor(entry, lang)
    with model_tab, shown_errors(lang):
        model_editor(names, table, lang)


def identity_section() -> None:
    if not resources.workspace().warehouse.exists():
        st.info(t("data.no_tables", lang))
        return
    entries = [e for e in read_catalog(resources.engine()) if e.kind != "identity"]
    if not entries:
        st.info(t("data.no_tables", lang))
        return
    identity_editor(entries, lang)


def table_actions(entry: CatalogEntry) -> None:
    left, right, _ = st.columns([1, 1, 4])
    if left.button(t("data.refresh", lang), key="table_refresh"):
        require("load_data")
        with st.status(t("data.loading", lang, name=entry.origin)):
            loaded = connectors.refresh_table(resources.workspace(), entry)
        record_event("data_load", {"action": "refresh", "table": entry.table, "rows": loaded.rows})
        st.success(t("data.refreshed", lang, table=entry.table, rows=count(loaded.rows)))
    with right.popover(t("data.delete", lang)):
        st.caption(t("data.delete_confirm", lang, table=entry.table))
        if st.button(t("data.delete", lang), type="primary", key="table_delete"):
            require("load_data")
            drop(resources.workspace().warehouse, entry.table)
            record_event("data_load", {"action": "delete", "table": entry.table})
            st.toast(t("data.deleted", lang, table=entry.table))
            st.rerun()


st.title(t("data.title", lang))
st.caption(t("data.subtitle", lang))
sections = (upload_section, database_section, rest_section, tables_section, identity_section)
tabs = st.tabs([t(f"data.tab_{k}", lang) for k in ("upload", "database", "rest", "tables", "identity")])
for tab, section in zip(tabs, sections, strict=True):
    with tab, shown_errors(lang):
        section()
