"""Maps that draw without the internet: bubbles at bundled coordinates, on faint reference points.

Plotly's geographic traces fetch their base map (topojson) from a CDN when the
browser draws them, which fails on an offline machine and in a self-contained
export. So a map here is an ordinary scatter of longitude against latitude:
each city, province, region of China or country of the world sits at the
coordinates in assets/geo/places.csv, its bubble sized by the metric, over
light grey dots for every province capital (China) or country (world) so the
shape of the land is readable. A caption under the map says what the bubble
size means (with the largest value) and what the grey dots are; only the
biggest few places are named, none on top of a bigger neighbour. Names are matched in English or Chinese;
places without coordinates are listed under the chart rather than dropped
silently.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache

import plotly.graph_objects as go
import polars as pl

from semantic.model import SemanticModel
from viz.chart_spec import ChartSpec
from viz.figures import PALETTE
from viz.i18n import t
from viz.labels import cell_text, column_label, escape_html
from workspace.home import ASSETS

KINDS = ("city", "province", "region", "country")
LABELLED = 8  # places named on the map, biggest first; the others on hover
CLEAR_LON, CLEAR_LAT = 5.5, 1.8  # how far (degrees) a named place keeps from another so the names do not overlap


@dataclass(frozen=True)
class Place:
    kind: str
    name_en: str
    name_zh: str
    lat: float
    lon: float

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@cache
def places(kind: str) -> dict[str, Place]:
    """Places of one kind by lower-case English and by Chinese name."""
    with (ASSETS / "geo" / "places.csv").open(encoding="utf-8") as handle:
        rows = [Place(r["kind"], r["name_en"], r["name_zh"], float(r["lat"]), float(r["lon"]))
                for r in csv.DictReader(handle) if r["kind"] == kind]
    return {**{p.name_en.lower(): p for p in rows}, **{p.name_zh: p for p in rows}}


def locate(values: list[object]) -> tuple[str, list[Place | None]]:
    """The kind of place the values name (the one that places most of them) and each value's place."""
    def found(kind: str) -> list[Place | None]:
        table = places(kind)
        return [table.get(str(v).strip().lower()) or table.get(str(v).strip()) for v in values]

    best = max(KINDS, key=lambda kind: sum(p is not None for p in found(kind)))
    return best, found(best)


def map_figure(frame: pl.DataFrame, spec: ChartSpec, model: SemanticModel, lang: str,
               grain: str | None = None) -> go.Figure:
    """Bubbles sized by the first metric at each place named in the `x` column, the biggest few named."""
    column, key = spec.y[0], spec.x or ""
    values = frame[key].to_list() if key else []
    kind, found = locate(values)
    rows = [(p, v, k) for p, v, k in zip(found, frame[column].to_list(), values, strict=True) if p is not None]
    top = max((abs(v) for _, v, _ in rows if v is not None), default=1.0) or 1.0
    named = _named(rows)
    figure = go.Figure(_backdrop(kind, lang))
    figure.add_trace(go.Scatter(
        x=[p.lon for p, _, _ in rows], y=[p.lat for p, _, _ in rows], mode="markers+text",
        text=[escape_html(p.name(lang)) if i in named else "" for i, (p, _, _) in enumerate(rows)],
        textposition="top center", textfont={"size": 11, "color": "#1e293b"},
        customdata=[[cell_text(v, column, model, lang, grain), v, k, escape_html(p.name(lang))] for p, v, k in rows],
        name=escape_html(column_label(column, model, lang)),
        marker={"size": [6 + 34 * math.sqrt(abs(v or 0) / top) for _, v, _ in rows], "color": PALETTE[0],
                "opacity": 0.55, "line": {"width": 1, "color": "#1e3a8a"}},
        hovertemplate="%{customdata[3]}<br>" + escape_html(column_label(column, model, lang))
        + ": %{customdata[0]}<extra>%{customdata[3]}</extra>"))
    hidden = {"showgrid": False, "zeroline": False, "showline": False, "showticklabels": False, "ticks": ""}
    figure.update_layout(showlegend=False, yaxis={**hidden, "scaleanchor": "x", "scaleratio": 1.2},
                         xaxis={**hidden, "title": {"text": _caption(rows, kind, column, model, lang, grain, [
                             str(v) for v, p in zip(values, found, strict=True) if p is None]), "font": {"size": 11}}})
    return figure


def _named(rows: list[tuple[Place, object, object]]) -> set[int]:
    """The biggest places, up to LABELLED, skipping one whose name would sit on a bigger neighbour's."""
    order = sorted(range(len(rows)), key=lambda i: -abs(float(rows[i][1] or 0)))  # type: ignore[arg-type]
    chosen: list[int] = []
    for i in order:
        place = rows[i][0]
        if all(abs(place.lon - rows[j][0].lon) > CLEAR_LON or abs(place.lat - rows[j][0].lat) > CLEAR_LAT
               for j in chosen):
            chosen.append(i)
        if len(chosen) == LABELLED:
            break
    return set(chosen)


def _caption(rows: list[tuple[Place, object, object]], kind: str, column: str, model: SemanticModel, lang: str,
             grain: str | None, missing: list[str]) -> str:
    """What the bubbles and the grey dots mean, and which places could not be placed."""
    lines = []
    if rows:
        place, value, _ = max(rows, key=lambda r: abs(float(r[1] or 0)))  # type: ignore[arg-type]
        lines.append(t("dashboards.map_caption", lang, metric=column_label(column, model, lang),
                       place=place.name(lang), value=cell_text(value, column, model, lang, grain)))
    lines.append(t("dashboards.map_dots_countries" if kind == "country" else "dashboards.map_dots_provinces", lang))
    if missing:
        lines.append(t("dashboards.map_unplaced", lang, count=len(missing), names=", ".join(missing[:5])))
    return "<br>".join(escape_html(line) for line in lines)


def _backdrop(kind: str, lang: str) -> go.Scatter:
    """Grey dots for every province capital (China) or every country (world), for orientation."""
    context = places("country" if kind == "country" else "province")
    unique = {p.name_en: p for p in context.values()}.values()
    return go.Scatter(x=[p.lon for p in unique], y=[p.lat for p in unique], mode="markers",
                      marker={"size": 4, "color": "#cbd5e1"}, text=[p.name(lang) for p in unique],
                      hoverinfo="text", name="")
