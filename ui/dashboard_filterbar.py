"""The dashboard's filter bar: a period, channel, region and any other dimension, applied to every tile.

The chosen filters live in the URL (`filters=` JSON, see workspace.share_links.link_query), so a copied
address or a share link opens the dashboard filtered the same way. A click on a tile's bar adds a filter
here (linked tiles); the tile clicked keeps showing all its bars so the choice can be changed.
"""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from errors import BeaconError, QueryError
from semantic.answer import time_bounds
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.periods import PRESETS, preset_range
from semantic.query import Filter, Policy, TimeRange, parse_date
from ui.explore_builder import time_table
from ui.explore_filters import dimension_values, value_picker
from ui.explore_state import forget, seed
from ui.state import session
from viz.dashboard_filters import PERIOD, period_filter
from viz.i18n import error_text, keyed_error, t
from workspace import clock
from workspace.dashboards import Dashboard, filter_from_dict, filter_to_dict

DEFAULT_DIMENSIONS = ("channel", "region")
PREFIX = "dw_"
_STATE = "dash_filters"
_WRITTEN = "dash_filters_written"
_SOURCE = "dash_link_source"


def encode(filters: tuple[Filter, ...]) -> str:
    return json.dumps([filter_to_dict(f) for f in filters], ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> tuple[Filter, ...]:
    """The `filters=` of a URL; anything malformed is a QueryError in words."""
    try:
        data = json.loads(text)
        return tuple(filter_from_dict(item) for item in data)
    except (json.JSONDecodeError, TypeError, AttributeError) as err:
        raise keyed_error(QueryError, "errors.dashboard.link_filters", reason=str(err)) from err


def current(board: Dashboard, defaults: tuple[Filter, ...]) -> tuple[Filter, ...]:
    """The filters in force: the URL's when it changed from outside, else this session's, else `defaults`."""
    link = st.query_params.get("filters")
    states = st.session_state.setdefault(_STATE, {})
    if link is not None and link != st.session_state.get(_WRITTEN):
        try:
            set_filters(board.id, decode(link))
        except BeaconError as err:
            st.warning(error_text(err, session().lang))
            st.session_state[_WRITTEN] = link
    if board.id not in states:
        set_filters(board.id, defaults)
    return states[board.id]


def set_filters(board_id: str, filters: tuple[Filter, ...], source: str | None = None) -> None:
    """Make `filters` the dashboard's and redraw the bar from them."""
    forget(PREFIX)
    st.session_state.setdefault(_STATE, {})[board_id] = tuple(filters)
    st.session_state.setdefault(_SOURCE, {})[board_id] = source
    publish(filters)


def publish(filters: tuple[Filter, ...]) -> None:
    text = encode(filters)
    st.session_state[_WRITTEN] = text
    if filters and st.query_params.get("filters") != text:
        st.query_params["filters"] = text
    elif not filters and "filters" in st.query_params:
        del st.query_params["filters"]


def link_source(board_id: str) -> str | None:
    """The tile whose click set the latest filter (it is drawn without that filter)."""
    return st.session_state.get(_SOURCE, {}).get(board_id)


def _period(filters: tuple[Filter, ...], bounds: tuple[dt.date, dt.date] | None, lang: str) -> Filter | None:
    current_filter = next((f for f in filters if f.field == PERIOD), None)
    window = None
    if current_filter is not None and isinstance(current_filter.value, tuple):
        window = TimeRange(parse_date(current_filter.value[0]), parse_date(current_filter.value[1]))
    last = bounds[1] if bounds else clock.today()
    start = "tiles" if window is None else next((p for p in PRESETS if preset_range(p, last) == window), "custom")
    preset = st.selectbox(t("explore.dashboards_page.period", lang), ["tiles", *PRESETS, "custom"],
                          key=seed(f"period_{lang}", start, PREFIX),
                          format_func=lambda p: t(f"explore.dashboards_page.period_{p}", lang)
                          if p in ("tiles", "custom") else t(f"periods.{p}", lang))
    if preset == "tiles":
        return None
    if preset != "custom":
        return period_filter(preset_range(preset, last))
    low, high = bounds if bounds else (last - dt.timedelta(days=29), last)
    start_end = (window.start, window.end) if window else (low, high)
    picked = st.date_input(t("explore.dates", lang), key=seed("dates", start_end, PREFIX))
    return period_filter(TimeRange(picked[0], picked[-1])) if picked else None


def _dimension(model: SemanticModel, engine: Engine, field: str, filters: tuple[Filter, ...],
               lang: str, policy: Policy) -> Filter | None:
    item = next((f for f in filters if f.field == field), None)
    saved = [] if item is None else list(item.value) if isinstance(item.value, tuple) else [item.value]
    return value_picker(field, model.dimensions[field].label(lang), saved,
                        dimension_values(model, engine, field, policy), seed(f"dim_{field}", saved, PREFIX), lang)


def filter_bar(board: Dashboard, model: SemanticModel, engine: Engine, filters: tuple[Filter, ...],
               lang: str, policy: Policy) -> tuple[Filter, ...]:
    """Draw the bar; return the filters it now describes (and keep the URL equal to them).

    The values offered are those `policy` lets the viewer see; a dimension it hides is not offered."""
    queries = [tile.query for tile in board.tiles if tile.query is not None]
    table = next((time_table(model, list(q.metrics), list(q.dimensions)) for q in queries
                  if any(m in model.metrics for m in q.metrics)), None)
    bounds = time_bounds(model, engine, table) if table else None
    shown = [d for d in DEFAULT_DIMENSIONS if d in model.dimensions]
    shown += [f.field for f in filters if f.field in model.dimensions and f.field not in shown]
    added = st.session_state.get(f"{PREFIX}added", [])
    shown += [d for d in added if d not in shown]
    shown = [d for d in shown if d not in policy.hidden]
    columns = st.columns(len(shown) + 2, vertical_alignment="bottom")
    with columns[0]:
        chosen = [_period(filters, bounds, lang)]
    for column, field in zip(columns[1:], shown, strict=False):
        with column:
            chosen.append(_dimension(model, engine, field, filters, lang, policy))
    with columns[-1]:
        _more(model, shown, lang)
    result = tuple(f for f in chosen if f is not None)
    if result != filters:
        st.session_state[_STATE][board.id] = result
        st.session_state.setdefault(_SOURCE, {})[board.id] = None
        publish(result)
    return result


def _add_dimension(lang: str) -> None:
    picked = st.session_state.get(f"{PREFIX}more_{lang}")
    if picked:
        st.session_state[f"{PREFIX}added"] = [*st.session_state.get(f"{PREFIX}added", []), picked]
    st.session_state[f"{PREFIX}more_{lang}"] = None


def _more(model: SemanticModel, shown: list[str], lang: str) -> None:
    options = [d for d in model.dimensions if d not in shown]
    st.selectbox(t("explore.add_filter", lang), options, index=None, key=f"{PREFIX}more_{lang}",
                 format_func=lambda d: model.dimensions[d].label(lang), on_change=_add_dimension, args=(lang,),
                 placeholder=t("explore.add_filter_hint", lang))
