"""A chart that can be clicked: which category or time bucket the click landed on.

Explore drills into it; a dashboard filters its other tiles by it (linked tiles). Plotly reports the
drawn value (a bar's x, a slice's label text), which is mapped back to the value in the data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from semantic.model import SemanticModel
from viz.chart_spec import resolve
from viz.labels import cell_text, escape_html
from viz.tiles import TileView

PLOTLY_CONFIG = {"displaylogo": False}
CLICKABLE = ("line", "area", "bar", "bar_stacked", "bar_grouped", "bar_horizontal", "pie", "donut", "funnel")
_BY_LABEL = ("pie", "donut", "funnel")


def clicked_field(view: TileView) -> str | None:
    """The field a click on this chart picks a value of, if the chart can be clicked."""
    if view.spec is None or view.query is None or view.spec.kind not in CLICKABLE:
        return None
    spec = resolve(view.spec, view.query)
    if not spec.x:
        return None
    return spec.x if spec.x in view.query.dimensions or spec.x == view.query.time_grain else None


def _drawn(point: dict[str, Any], kind: str) -> Any:
    if kind in _BY_LABEL:
        return point.get("label", point.get("y"))
    return point.get("y") if kind == "bar_horizontal" else point.get("x")


def data_value(view: TileView, drawn: Any, model: SemanticModel, lang: str) -> Any:
    """The data's value behind what the chart drew (a date for a time bucket, the category otherwise)."""
    field = clicked_field(view)
    if field is None or view.frame is None or drawn is None:
        return None
    values = view.frame[field].unique().to_list()
    for value in values:
        if value == drawn or (isinstance(value, dt.date) and str(drawn)[:10] == value.isoformat()[:10]):
            return value
    shown = {escape_html(cell_text(v, field, model, lang, view.query.time_grain if view.query else None)): v
             for v in values}
    return shown.get(str(drawn))


def clickable_chart(view: TileView, key: str, model: SemanticModel, lang: str) -> tuple[str, Any] | None:
    """Draw the tile's figure; a click returns (field, value) of the clicked category."""
    field = clicked_field(view)
    if field is None:
        st.plotly_chart(view.figure, width="stretch", config=PLOTLY_CONFIG, key=key)
        return None
    event = st.plotly_chart(view.figure, width="stretch", config=PLOTLY_CONFIG, key=key, on_select="rerun",
                            selection_mode=("points",))
    points = list(event.selection.points) if event else []
    if not points or view.spec is None:
        return None
    value = data_value(view, _drawn(points[0], view.spec.kind), model, lang)
    return None if value is None else (field, value)
