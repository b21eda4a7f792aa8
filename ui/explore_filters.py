"""Filter rows for Explore: value pickers with search for categories, ranges for numbers.

The values offered come from the data through a semantic query on the dimension, so the picker
shows what a chart could actually filter by. A saved value that no longer exists stays selected
and is named in a warning instead of silently vanishing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from semantic.answer import run_query
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, Policy, SemanticQuery
from ui.auth import current_policy
from ui.explore_state import WIDGET_PREFIX, seed
from viz.i18n import t

VALUE_LIMIT = 2000
_FILTERS = f"{WIDGET_PREFIX}filters"


def dimension_values(model: SemanticModel, engine: Engine, dimension: str, policy: Policy | None = None) -> list[Any]:
    """The distinct values of a dimension the user may see, in order (under `policy`, by default the signed-in
    user's: a regional user is offered only their region's values; the engine caches by SQL, so by policy)."""
    query = SemanticQuery(metrics=(), dimensions=(dimension,), order_by=(OrderBy(dimension),), limit=VALUE_LIMIT)
    policy = current_policy() if policy is None else policy
    return [v for v in run_query(query, model, engine, policy).frame[dimension].to_list() if v is not None]


def _editable(model: SemanticModel, item: Filter) -> bool:
    kind = model.dimensions[item.field].type if item.field in model.dimensions else None
    if kind in ("number", "date"):
        return item.op == "between"
    return kind is not None and item.op in ("in", "=")


def _new_filter(model: SemanticModel, engine: Engine, field: str) -> Filter:
    if model.dimensions[field].type in ("number", "date"):
        values = dimension_values(model, engine, field)
        return Filter(field, "between", (values[0], values[-1])) if values else Filter(field, "in", ())
    return Filter(field, "in", ())


def _add(model: SemanticModel, engine: Engine, lang: str) -> None:
    key = f"{WIDGET_PREFIX}filter_add_{lang}"
    field = st.session_state.get(key)
    if field:
        st.session_state[_FILTERS] = [*st.session_state[_FILTERS], _new_filter(model, engine, field)]
    st.session_state[key] = None


def _remove(index: int) -> None:
    items = list(st.session_state[_FILTERS])
    dropped = items.pop(index)
    st.session_state.pop(f"{WIDGET_PREFIX}filter_{dropped.field}", None)
    st.session_state[_FILTERS] = items


def filter_section(model: SemanticModel, engine: Engine, query: SemanticQuery, lang: str) -> tuple[Filter, ...]:
    """Draw one row per filter and an 'add' picker; return the filters that constrain something."""
    items = st.session_state.setdefault(_FILTERS, list(query.filters))
    chosen = [_row(model, engine, index, item, lang) for index, item in enumerate(items)]
    taken = {item.field for item in items}
    options = [name for name in model.dimensions if name not in taken and name not in current_policy().hidden]
    st.selectbox(t("explore.add_filter", lang), options, index=None, key=f"{WIDGET_PREFIX}filter_add_{lang}",
                 format_func=lambda name: model.dimensions[name].label(lang), on_change=_add,
                 args=(model, engine, lang), placeholder=t("explore.add_filter_hint", lang))
    return tuple(item for item in chosen if item is not None)


def _row(model: SemanticModel, engine: Engine, index: int, item: Filter, lang: str) -> Filter | None:
    left, right = st.columns([5, 1], vertical_alignment="bottom", gap="small")
    right.button("", icon=":material/close:", key=f"{WIDGET_PREFIX}filter_remove_{index}", on_click=_remove,
                 args=(index,), help=t("explore.remove_filter", lang), type="tertiary")
    with left:
        if not _editable(model, item):
            st.caption(t("explore.fixed_filter", lang, filter=describe(model, item, lang)))
            return item
        dimension = model.dimensions[item.field]
        values = dimension_values(model, engine, item.field)
        if dimension.type in ("number", "date"):
            return _range_row(item, values, dimension.label(lang))
        return _pick_row(item, values, dimension.label(lang), lang)


def value_picker(field: str, label: str, saved: list[Any], values: list[Any], key: str, lang: str) -> Filter | None:
    """A searchable multi-select of the data's values; saved values the data no longer has are named."""
    missing = [v for v in saved if v not in set(values)]
    picked = st.multiselect(label, [*missing, *values], key=key, placeholder=t("explore.any_value", lang))
    gone = [str(v) for v in picked if v in missing]
    if gone:
        st.warning(t("explore.value_gone", lang, values=("、" if lang == "zh" else ", ").join(gone), field=label))
    return Filter(field, "in", tuple(picked)) if picked else None


def _pick_row(item: Filter, values: list[Any], label: str, lang: str) -> Filter | None:
    saved = list(item.value) if isinstance(item.value, tuple) else [item.value]
    return value_picker(item.field, label, saved, values, seed(f"filter_{item.field}", saved), lang)


def _range_row(item: Filter, values: list[Any], label: str) -> Filter | None:
    if not values:
        return item
    low, high = values[0], values[-1]
    start, end = item.value if isinstance(item.value, tuple) and len(item.value) == 2 else (low, high)
    if isinstance(low, dt.date):
        picked = st.date_input(label, key=seed(f"filter_{item.field}", (start, end)), min_value=low, max_value=high)
        picked = tuple(picked) if len(picked) == 2 else (start, end)
    else:
        start, end = max(min(start, high), low), min(max(end, low), high)
        picked = st.slider(label, min_value=low, max_value=high, key=seed(f"filter_{item.field}", (start, end)))
    return None if tuple(picked) == (low, high) else Filter(item.field, "between", tuple(picked))


def describe(model: SemanticModel, item: Filter, lang: str) -> str:
    """A filter in words: 'Channel = Tmall'."""
    field = model.dimensions[item.field].label(lang) if item.field in model.dimensions else item.field
    value = ", ".join(map(str, item.value)) if isinstance(item.value, tuple) else item.value
    return f"{field} {item.op} {value}" if value is not None else f"{field} {item.op}"
