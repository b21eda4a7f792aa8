"""The Explore result: the suggested (or chosen) chart, drill-down by clicking, data, definitions, downloads.

The chart is drawn exactly as a dashboard tile of the same query would be (viz.tiles.render_tile), so a
pinned chart shows the same numbers on its dashboard.
"""

from __future__ import annotations

import dataclasses
import hashlib

import streamlit as st

from semantic.answer import run_query
from semantic.engine import Engine, QueryResult
from semantic.model import SemanticModel
from semantic.query import SemanticQuery
from ui import explore_state
from ui.auth import allowed, current_policy
from ui.dashboard_text import plain
from ui.explore_click import clickable_chart, clicked_field
from ui.explore_pin import pin_button
from ui.governed import record_event
from viz.chart_spec import CHART_KINDS, ChartSpec
from viz.export import data_csv, data_excel
from viz.format import format_value
from viz.i18n import t
from viz.labels import query_title
from viz.suggest import drill, drill_next, suggest_chart
from viz.tables import table_frame, totals_queries
from viz.tiles import TileView, render_tile
from workspace.dashboards import new_tile


def _kind_label(kind: str, lang: str) -> str:
    return t(f"explore.kinds.{kind}", lang)


def choose_spec(query: SemanticQuery, result: QueryResult, model: SemanticModel, lang: str) -> ChartSpec:
    """The suggested chart, or the kind the user picked instead (kept in the URL as `chart=`)."""
    suggested = suggest_chart(query, result.frame, model)
    options = ["auto", *CHART_KINDS]
    chosen = explore_state.chart_choice()
    # Keyed by the suggestion too: a new suggestion is a new widget, so the browser cannot keep the old label.
    key = explore_state.seed(f"chart_{lang}_{suggested.kind}", chosen if chosen in CHART_KINDS else "auto")
    kind = st.selectbox(t("explore.chart_kind", lang), options, key=key,
                        format_func=lambda k: t("explore.auto", lang, kind=_kind_label(suggested.kind, lang))
                        if k == "auto" else _kind_label(k, lang))
    explore_state.publish(query, None if kind == "auto" else kind)
    return suggested if kind == "auto" else dataclasses.replace(suggested, kind=kind)


def _chart_key(query: SemanticQuery, spec: ChartSpec) -> str:
    digest = hashlib.sha1(f"{explore_state.as_link(query)}|{spec.kind}".encode()).hexdigest()[:12]
    return f"{explore_state.WIDGET_PREFIX}chart_{digest}"


def show_chart(view: TileView, model: SemanticModel, lang: str) -> None:
    """The chart; a click on a category drills into it (region → city, year → quarter...)."""
    if view.spec is None or view.query is None:
        return
    if view.spec.kind in ("table", "pivot") and view.frame is not None:
        st.dataframe(table_frame(view.spec, view.frame, view.query, model, lang, view.totals), hide_index=True,
                     width="stretch")
        return
    clicked = clickable_chart(view, _chart_key(view.query, view.spec), model, lang)
    field = clicked_field(view)
    if field and drill_next(field, model):
        st.caption(t("explore.drill_hint", lang))
    if clicked and drill_next(clicked[0], model):
        explore_state.load(drill(view.query, clicked[0], clicked[1], model), None)
        st.rerun()


def show_result(query: SemanticQuery, result: QueryResult, model: SemanticModel, engine: Engine,
                lang: str) -> None:
    """Draw the chart and everything behind it, with 'Pin to dashboard' beside the chart picker."""
    top, _, pin = st.columns([2, 0.4, 1.4], vertical_alignment="bottom")
    with top:
        spec = choose_spec(query, result, model, lang)
    with pin:
        pin_button(query, spec, model, lang)
    policy = current_policy()
    view = render_tile(new_tile(query_title(query, model, lang), query=query, chart=spec), model, engine, lang,
                       policy=policy)
    for note in view.notes:
        st.info(note)
    if view.problem:
        st.warning(view.problem)
        return
    if result.truncated:
        st.warning(t("explore.truncated", lang, rows=format_value(result.frame.height, "integer", lang, full=True)))
    chart_tab, data_tab = st.tabs([t("explore.tab_chart", lang), t("explore.tab_data", lang)])
    totals = {name: run_query(total, model, engine, policy).frame
              for name, total in totals_queries(spec, query).items()}
    table = table_frame(spec, result.frame, query, model, lang, totals)
    with chart_tab:
        st.markdown(f"**{plain(view.title)}**")
        show_chart(view, model, lang)
        if query.compare:
            st.caption(t(f"explore.change_{query.compare}", lang))
            st.dataframe(table, hide_index=True, width="stretch")
    with data_tab:
        st.dataframe(table, hide_index=True, width="stretch")
        downloads(result, model, lang)
    explain(model, query, view.sql, lang)


def explain(model: SemanticModel, query: SemanticQuery, sqls: tuple[str, ...], lang: str) -> None:
    """The metric definitions and the SQL behind the chart, one click away."""
    with st.expander(t("explore.explain", lang), icon=":material/info:"):
        for name in query.metrics:
            metric = model.metrics[name]
            st.markdown(f"**{metric.label(lang)}** (`{name}`): {metric.description(lang)}  \n"
                        f"`{model.definition(name)}`")
        for sql in sqls:
            st.code(sql, language="sql")


def downloads(result: QueryResult, model: SemanticModel, lang: str) -> None:
    """CSV and Excel of the rows shown (already under the user's policy); taking a file is an audited export."""
    if not allowed("export"):
        return
    left, right, _ = st.columns([1, 1, 2])
    detail = {"what": "explore", "sql": result.compiled.sql, "rows": result.frame.height}
    left.download_button(t("explore.download_csv", lang), data_csv(result.frame, model, lang),
                         file_name="beacon-explore.csv", mime="text/csv", icon=":material/download:",
                         key="explore_csv", on_click=record_event, args=("export", {**detail, "format": "csv"}))
    right.download_button(t("explore.download_excel", lang), data_excel(result.frame, model, lang),
                          file_name="beacon-explore.xlsx", icon=":material/table:", key="explore_xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          on_click=record_event, args=("export", {**detail, "format": "xlsx"}))
