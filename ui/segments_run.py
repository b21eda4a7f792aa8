"""The Segments page's input side: choosing the table, confirming the column mapping, running with progress."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import polars as pl
import streamlit as st

from errors import InputError
from ml.analysis import Analysis, Params, analyse, rfm_at
from ml.features import data_bounds
from ml.governed import Warehouse
from ml.mapping import Mapping, columns_of, exclusions, mapping_for, propose_mapping
from ml.runs import list_runs
from ui import resources
from ui.auth import current_user
from ui.widgets import localized_choice
from viz.format import format_date, format_value
from viz.i18n import error_text, t
from workspace import clock
from workspace.audit import record

RESULT = "segments_analysis"


def user_tables(engine: Warehouse) -> list[str]:
    """Warehouse tables a user loaded (not the catalog, raw copies or our own outputs)."""
    return [n for n in engine.table_names() if not n.startswith("_") and not n.endswith(("_churn", "_rejects"))
            and n != "customer_segments"]


def choose_mapping(engine: Warehouse, table: str, lang: str) -> Mapping:
    """The proposed columns in select boxes the user can change, and the rows each rule leaves out."""
    with engine.reader() as con:
        names = list(columns_of(con, table))
        try:
            proposed = propose_mapping(con, table)
        except InputError as err:  # nothing to propose: the user picks every column
            st.warning(error_text(err, lang))
            proposed = Mapping(table, names[0], names[0], names[0])
    st.caption(t("segments.mapping_help", lang))
    left, middle, right, last = st.columns(4)
    customer = left.selectbox(t("segments.customer", lang), names, index=names.index(proposed.customer),
                              key=f"seg_customer_{table}")
    date = middle.selectbox(t("segments.date", lang), names, index=names.index(proposed.date), key=f"seg_date_{table}")
    amount = right.selectbox(t("segments.amount", lang), names, index=names.index(proposed.amount),
                             key=f"seg_amount_{table}")
    prices = ["", *names]
    price = localized_choice(last.selectbox, t("segments.price", lang), prices, f"seg_price_{table}", lang,
                             lambda c: c or t("segments.no_price", lang), default=proposed.price or "")
    others = [n for n in names if n not in (customer, date, amount, price)]
    extras = st.multiselect(t("segments.extras", lang), others, key=f"seg_extras_{table}",
                            help=t("segments.extras_help", lang), placeholder=t("segments.extras_placeholder", lang))
    with engine.reader() as con:
        mapping = mapping_for(con, table, customer, date, amount, price or None, tuple(extras))
        counts = exclusions(con, mapping)
    st.caption(t("segments.excluded", lang, rows=_n(counts["rows"], lang), missing=_n(counts["missing_customer"], lang),
                 dates=_n(counts["missing_date"], lang), refunds=_n(counts["refund"], lang),
                 negative=_n(counts["not_positive"], lang)))
    return mapping


def _n(value: int, lang: str) -> str:
    return format_value(value, "integer", lang)


def choose_params(engine: Warehouse, mapping: Mapping, lang: str) -> Params:
    with engine.reader() as con:
        first, last = data_bounds(con, mapping)
    left, middle, right = st.columns(3)
    as_of = left.date_input(t("segments.as_of", lang), value=last, min_value=first, max_value=max(last, first),
                            key="seg_as_of")
    k = middle.number_input(t("segments.k", lang), min_value=0, max_value=12, value=0, step=1, key="seg_k")
    horizon = right.number_input(t("segments.horizon", lang), min_value=0, max_value=365, value=0, step=1,
                                 key="seg_horizon")
    churn = st.toggle(t("segments.with_churn", lang), value=True, key="seg_churn")
    return Params(mapping, as_of, int(k) or None, 42, int(horizon) or None, churn)


def run(engine: Warehouse, params: Params, lang: str) -> Analysis:
    """Run with a progress bar; the result stays in the session until the next run."""
    with st.status(t("segments.running", lang), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(share: float, step: str) -> None:
            bar.progress(share, text=t(f"segments.step.{step}", lang))

        with engine.reader() as con:
            analysis = analyse(con, params, progress)
        status.update(label=t("segments.done", lang), state="complete", expanded=False)
    st.session_state[RESULT] = analysis
    return analysis


def saved_runs(meta: Path, table: str, lang: str) -> Params | None:
    """Earlier runs on this table, newest first; the chosen one's parameters when the user asks to run it again."""
    runs = [r for r in list_runs(meta) if r.kind == "segment" and r.source_table == table]
    if not runs:
        return None
    with st.expander(t("segments.runs", lang)):
        chosen = st.selectbox(t("segments.runs", lang), runs, key=f"seg_runs_{table}", format_func=lambda r: t(
            "segments.run_label", lang, id=r.id, when=format_date(clock.local(r.created_at).date(), lang),
            as_of=r.params.get("as_of"), k=r.summary.get("k")))
        again = st.button(t("segments.run_again", lang), key="seg_run_again")
    return Params.from_dict(chosen.params) if again else None


def audit_shown(analysis: Analysis) -> None:
    """Log the segments a session was shown, once per distinct analysis (table, columns, date, k, window), as
    the other pages log their queries: the pipeline reads per-customer SQL, so its parameters stand for it."""
    params = analysis.params.to_dict()
    key = json.dumps(params, sort_keys=True)
    seen = st.session_state.setdefault("audited_segments_runs", set())
    if key in seen:
        return
    record(resources.workspace(), "query", current_user().username,
           {"page": "segments", "table": analysis.params.mapping.table, "as_of": params["as_of"],
            "k": analysis.clustering.k, "churn": analysis.churn is not None}, rows=analysis.features.height)
    seen.add(key)


def renamed(analysis: Analysis, names: dict[int, str]) -> Analysis:
    return replace(analysis, names=names)


def earlier_rfm(engine: Warehouse, analysis: Analysis, day: dt.date) -> pl.DataFrame:
    with engine.reader() as con:
        return rfm_at(con, analysis.params.mapping, day)
