"""The Explore page's state: one SemanticQuery, carried in the URL so a link reproduces the chart.

The query lives in `st.session_state["explore_query"]` and in `?q=` (its `to_dict` as JSON); the chosen
chart kind in `?chart=`. Widgets are keyed `xw_...` and seeded from the query only when missing, so
loading a new query (a link, the Ask page, a drill-down) is: store it, forget the widgets, rerun.
"""

from __future__ import annotations

import json

import streamlit as st

from errors import BeaconError, QueryError
from semantic.model import SemanticModel
from semantic.query import SemanticQuery
from ui.state import session
from viz.i18n import error_text, keyed_error

WIDGET_PREFIX = "xw_"
_QUERY = "explore_query"
_WRITTEN = "explore_written"
_CHART = "explore_chart"


def default_query(model: SemanticModel) -> SemanticQuery:
    """What a first visit shows: the model's first metric by month."""
    first = next(iter(model.metrics))
    return SemanticQuery(metrics=(first,), time_grain="month")


def parse_link(text: str) -> SemanticQuery:
    """The `q=` JSON of a link; a malformed one is a QueryError in words."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise keyed_error(QueryError, "errors.query.link_json", reason=err.msg, at=err.pos) from err
    return SemanticQuery.from_dict(data)


def as_link(query: SemanticQuery) -> str:
    return json.dumps(query.to_dict(), ensure_ascii=False, separators=(",", ":"), default=str)


def current(model: SemanticModel) -> tuple[SemanticQuery, str | None]:
    """The query to show and the link's error, if the URL held one that could not be read.

    A `q=` that differs from what this session last wrote came from outside (a shared link, the Ask
    page, the browser's back button) and replaces the page's state.
    """
    error = None
    link = st.query_params.get("q")
    if link is not None and link != st.session_state.get(_WRITTEN):
        try:
            load(parse_link(link), st.query_params.get("chart"))
        except BeaconError as err:
            error = error_text(err, session().lang)
            st.session_state[_WRITTEN] = link
    if _QUERY not in st.session_state:
        load(default_query(model), None)
    return st.session_state[_QUERY], error


def load(query: SemanticQuery, chart: str | None) -> None:
    """Make `query` the page's state; every widget is drawn again from it."""
    forget(WIDGET_PREFIX)
    st.session_state[_QUERY] = query
    st.session_state[_CHART] = chart
    publish(query, chart)


def publish(query: SemanticQuery, chart: str | None) -> None:
    """Keep the URL equal to the state, so copying it shares exactly this chart."""
    link = as_link(query)
    st.session_state[_QUERY] = query
    st.session_state[_CHART] = chart
    st.session_state[_WRITTEN] = link
    if st.query_params.get("q") != link:
        st.query_params["q"] = link
    if chart and st.query_params.get("chart") != chart:
        st.query_params["chart"] = chart
    elif not chart and "chart" in st.query_params:
        del st.query_params["chart"]


def chart_choice() -> str | None:
    return st.session_state.get(_CHART)


def forget(prefix: str) -> None:
    """Drop the widgets whose keys start with `prefix`, so the next run draws them from the state again."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def seed(key: str, value: object, prefix: str = WIDGET_PREFIX) -> str:
    """A widget key whose value starts from the page's state the first time the widget is drawn."""
    full = f"{prefix}{key}"
    if full not in st.session_state:
        st.session_state[full] = value
    return full
