"""The Explore query builder: metrics, dimensions, filters, period, grain, sort, top-N and comparison.

Each widget starts from the page's SemanticQuery (see ui.explore_state) and the builder returns the
query the widgets now describe; option texts are the model's labels in the chosen language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st

from semantic.answer import time_bounds
from semantic.engine import Engine
from semantic.model import Described, SemanticModel
from semantic.periods import PRESETS, preset_range
from semantic.query import COMPARISONS, GRAINS, OrderBy, SemanticQuery, TimeRange
from ui.auth import current_policy
from ui.explore_filters import filter_section
from ui.explore_state import seed
from viz.i18n import t
from viz.suggest import grain_for

NONE = "none"
GRAIN_CHOSEN = "xw_grain_chosen"  # forgotten with the other widgets when a new query is loaded


def _help(model: SemanticModel, names: list[str], lang: str) -> str:
    """The chosen fields' descriptions, shown as the picker's help."""
    parts = model.metrics | model.dimensions
    lines = [f"**{parts[n].label(lang)}**: {parts[n].description(lang) or '–'}" for n in names if n in parts]
    return "\n\n".join(lines) or t("explore.fields_help", lang)


def _known(names: tuple[str, ...], pool: dict[str, object], what: str, lang: str) -> list[str]:
    unknown = [n for n in names if n not in pool]
    if unknown:
        st.warning(t("explore.unknown_fields", lang, kind=t(f"explore.{what}", lang), names=", ".join(unknown)))
    return [n for n in names if n in pool]


def _picker(model: SemanticModel, what: str, pool: Mapping[str, Described], chosen: tuple[str, ...],
            lang: str) -> list[str]:
    key = seed(f"{what}_{lang}", _known(chosen, pool, what, lang))
    return st.multiselect(t(f"explore.{what}", lang), list(pool), key=key, format_func=lambda n: pool[n].label(lang),
                          help=_help(model, st.session_state[key], lang), placeholder=t(f"explore.pick_{what}", lang))


def pick_fields(model: SemanticModel, query: SemanticQuery, lang: str) -> tuple[list[str], list[str]]:
    """Metrics and dimensions, by their names in the chosen language, descriptions as help."""
    hidden = current_policy().hidden  # a dimension the user's policy hides is not offered at all
    dimensions = {name: dim for name, dim in model.dimensions.items() if name not in hidden}
    return (_picker(model, "metrics", model.metrics, query.metrics, lang),
            _picker(model, "dimensions", dimensions, query.dimensions, lang))


def time_table(model: SemanticModel, metrics: list[str], dimensions: list[str]) -> str | None:
    """The table whose time column places the chart's rows in time."""
    tables = [m.table for name in metrics for m in model.measures_of(name)]
    tables += [table for name in dimensions for table in model.dimensions[name].exprs]
    return next((name for name in tables if model.tables[name].time), None)


def _preset_of(window: TimeRange | None, last: dt.date) -> str:
    if window is None:
        return "all"
    return next((p for p in PRESETS if preset_range(p, last) == window), "custom")


def pick_period(bounds: tuple[dt.date, dt.date] | None, query: SemanticQuery, lang: str) -> TimeRange | None:
    """All time, a relative period ending on the data's last day, or an absolute range."""
    if bounds is None:
        return query.time_range
    first, last = bounds
    options = ["all", *PRESETS, "custom"]
    preset = st.selectbox(t("explore.period", lang), options, key=seed(f"period_{lang}", _preset_of(query.time_range,
                                                                                               last)),
                          format_func=lambda p: t(f"explore.{p}", lang) if p in ("all", "custom")
                          else t(f"periods.{p}", lang))
    if preset == "all":
        return None
    if preset != "custom":
        return preset_range(preset, last)
    start, end = (query.time_range.start, query.time_range.end) if query.time_range else (first, last)
    picked = st.date_input(t("explore.dates", lang), key=seed("dates", (start, end)), min_value=min(first, start),
                           max_value=max(last, end))
    return TimeRange(picked[0], picked[-1]) if picked else None


def _grain_chosen() -> None:
    st.session_state[GRAIN_CHOSEN] = True


def pick_grain(query: SemanticQuery, window: TimeRange | None, lang: str) -> str | None:
    """The time grain; until the user picks one, a new period brings the grain that suits it (day for 30 days)."""
    key = seed(f"grain_{lang}", query.time_grain or NONE)
    if window != query.time_range and st.session_state[key] != NONE and not st.session_state.get(GRAIN_CHOSEN):
        st.session_state[key] = grain_for(window)
    grain = st.selectbox(t("explore.grain", lang), [NONE, *GRAINS], key=key, on_change=_grain_chosen,
                         format_func=lambda g: t(f"explore.grains.{g}", lang))
    return None if grain == NONE else grain


def _valid(key: str, options: list[object], fallback: object) -> str:
    """Reset a remembered choice that is no longer offered (its field was taken off the chart)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = fallback
    return key


def pick_shape(model: SemanticModel, query: SemanticQuery, fields: list[str], has_period: bool,
               lang: str) -> tuple[tuple[OrderBy, ...], int | None, str | None]:
    """Sort, top-N and comparison."""
    labels = {**{n: m.label(lang) for n, m in model.metrics.items()},
              **{n: d.label(lang) for n, d in model.dimensions.items()}}
    order = query.order_by[0] if query.order_by else None
    sort_key = _valid(seed(f"sort_{lang}", order.field if order else NONE), [NONE, *fields], NONE)
    field = st.selectbox(t("explore.sort", lang), [NONE, *fields], key=sort_key,
                         format_func=lambda n: labels.get(n, t(f"explore.grains.{n}", lang)) if n != NONE
                         else t("explore.sort_default", lang))
    desc = st.toggle(t("explore.descending", lang), key=seed("desc", order.desc if order else True),
                     disabled=field == NONE)
    limit = st.number_input(t("explore.top_n", lang), min_value=0, step=5, key=seed("top_n", query.limit or 0),
                            help=t("explore.top_n_help", lang))
    compare_key = _valid(seed(f"compare_{lang}", query.compare or NONE),
                         [NONE, *COMPARISONS] if has_period else [NONE], NONE)
    compare = st.selectbox(t("explore.compare", lang), [NONE, *COMPARISONS], key=compare_key,
                           format_func=lambda c: t(f"explore.compare_{c}", lang), disabled=not has_period,
                           help=None if has_period else t("explore.compare_needs_period", lang))
    order = (OrderBy(field, desc),) if field != NONE else ()
    return order, (int(limit) or None), (None if compare == NONE else compare)


def build_query(model: SemanticModel, engine: Engine, query: SemanticQuery, lang: str) -> SemanticQuery | None:
    """Draw the builder; the query it describes, or None while nothing is picked."""
    metrics, dimensions = pick_fields(model, query, lang)
    table = time_table(model, metrics, dimensions)
    bounds = time_bounds(model, engine, table) if table else None
    with st.expander(t("explore.filters", lang), expanded=bool(query.filters)):
        filters = filter_section(model, engine, query, lang)
    with st.expander(t("explore.time", lang), expanded=True):
        window = pick_period(bounds, query, lang)
        grain = pick_grain(query, window, lang)
    with st.expander(t("explore.shape", lang), expanded=bool(query.order_by or query.limit or query.compare)):
        fields = [*metrics, *dimensions, *([grain] if grain else [])]
        order, limit, compare = pick_shape(model, query, fields, window is not None, lang)
    if not metrics and not dimensions:
        return None
    return SemanticQuery(metrics=tuple(metrics), dimensions=tuple(dimensions), filters=filters, time_grain=grain,
                         time_range=window, order_by=order, limit=limit, compare=compare)
