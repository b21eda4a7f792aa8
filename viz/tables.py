"""Tables and pivot tables of a result, with totals and conditional colours.

Totals of ratios and distinct counts cannot be added up from the rows (the AOV
of all channels is not the sum of each channel's AOV), so a total comes from
its own semantic query (`totals_queries`), run by the caller like any other;
only metrics that are plain sums or counts fall back to adding the rows.

>>> from semantic.query import SemanticQuery
>>> q = SemanticQuery(metrics=("aov",), dimensions=("channel", "region"))
>>> sorted(totals_queries(ChartSpec("pivot"), q))
['columns', 'grand', 'rows']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import polars as pl
from pandas.io.formats.style import Styler

from semantic.model import SemanticModel
from semantic.query import GRAINS, SemanticQuery
from viz.chart_spec import ChartSpec, resolve
from viz.format import format_value
from viz.i18n import t
from viz.labels import cell_text, column_format, column_label, escape_html, key_columns, plain_numbers

Totals = dict[str, pl.DataFrame]


@dataclass(frozen=True)
class TableData:
    """A table ready to show: headers, rows (keys as text, values as numbers) and their number formats."""

    labels: list[str]
    formats: list[str | None]
    rows: list[list[Any]]
    total_rows: int
    total_columns: int


def totals_queries(spec: ChartSpec, query: SemanticQuery) -> dict[str, SemanticQuery]:
    """The queries whose results are a table's totals: 'grand'; and for a pivot 'rows' and 'columns'."""
    spec = resolve(spec, query)
    out = {"grand": _by(query, ())}
    if spec.kind == "pivot" and spec.x and spec.color:
        out["rows"], out["columns"] = _by(query, (spec.x,)), _by(query, (spec.color,))
    return out


def _by(query: SemanticQuery, keys: tuple[str, ...]) -> SemanticQuery:
    grain = next((k for k in keys if k in GRAINS), None)
    return replace(query, dimensions=tuple(k for k in keys if k not in GRAINS), time_grain=grain,
                   order_by=(), limit=None)


def table_data(spec: ChartSpec, frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str,
               totals: Totals | None = None) -> TableData:
    spec, frame = resolve(spec, query), plain_numbers(frame)
    totals = {name: plain_numbers(part) for name, part in (totals or {}).items()}
    if spec.kind == "pivot" and spec.x and spec.color and spec.y:
        return _pivot(spec, frame, query, model, lang, totals)
    return _flat(frame, query, model, lang, totals)


def _summable(column: str, model: SemanticModel) -> bool:
    metric = model.metrics.get(column)
    return metric is not None and metric.measure is not None and model.measures[metric.measure].agg in ("sum",
                                                                                                         "count")


def _total(frame: pl.DataFrame, column: str, model: SemanticModel, given: pl.DataFrame | None) -> Any:
    if given is not None and column in given.columns and given.height:
        return given[column][0]
    return frame[column].sum() if _summable(column, model) else None


def _flat(frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str, totals: Totals) -> TableData:
    keys = [c for c in key_columns(query) if c in frame.columns]
    values = [c for c in frame.columns if c not in keys]
    rows = [[cell_text(r[k], k, model, lang, query.time_grain) for k in keys] + [r[v] for v in values]
            for r in frame.iter_rows(named=True)]
    total_rows = 0
    if keys and frame.height > 1:
        total = [t("dashboards.total", lang)] + [""] * (len(keys) - 1)
        rows.append(total + [_total(frame, v, model, totals.get("grand")) for v in values])
        total_rows = 1
    return TableData([column_label(c, model, lang) for c in (*keys, *values)],
                     [None] * len(keys) + [column_format(v, model) for v in values], rows, total_rows, 0)


def _pivot(spec: ChartSpec, frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str,
           totals: Totals) -> TableData:
    """Rows by `x`, columns by `color`, cells of the first metric; a total column and a total row."""
    x, color, column = spec.x or "", spec.color or "", spec.y[0]
    heads = frame[color].unique(maintain_order=True).sort(nulls_last=True).to_list()
    index = frame[x].unique(maintain_order=True).sort(nulls_last=True).to_list()
    cells = {(a, b): v for a, b, v in frame.select(x, color, column).iter_rows()}
    by_row = _lookup(totals.get("rows"), x, column)
    by_col = _lookup(totals.get("columns"), color, column)
    summable = _summable(column, model)
    rows = []
    for a in index:
        line = [cells.get((a, b)) for b in heads]
        rows.append([cell_text(a, x, model, lang, query.time_grain), *line,
                     by_row.get(a, _sum(line) if summable else None)])
    foot = [by_col.get(b, _sum([cells.get((a, b)) for a in index]) if summable else None) for b in heads]
    rows.append([t("dashboards.total", lang), *foot, _total(frame, column, model, totals.get("grand"))])
    labels = [column_label(x, model, lang), *(cell_text(b, color, model, lang, query.time_grain) for b in heads),
              t("dashboards.total", lang)]
    return TableData(labels, [None, *[column_format(column, model)] * (len(heads) + 1)], rows, 1, 1)


def _lookup(frame: pl.DataFrame | None, key: str, column: str) -> dict[Any, Any]:
    if frame is None or key not in frame.columns or column not in frame.columns:
        return {}
    return dict(frame.select(key, column).iter_rows())


def _sum(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def table_frame(spec: ChartSpec, frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str,
                totals: Totals | None = None) -> Styler:
    """A pandas Styler for st.dataframe: formatted numbers, totals in bold, values shaded by size."""
    data = table_data(spec, frame, query, model, lang, totals)
    shown = pd.DataFrame(data.rows, columns=_unique(data.labels))
    styler = shown.style
    body = shown.index[: len(shown) - data.total_rows]
    for name, fmt in zip(shown.columns, data.formats, strict=True):
        if fmt is None:
            continue
        styler = styler.format(lambda v, f=fmt: format_value(v, f, lang, model.currency), subset=[name])
        measured = shown.columns[: len(shown.columns) - data.total_columns]
        if name in measured:
            styler = styler.apply(_shade, subset=pd.IndexSlice[body, [name]], change=fmt == "percent"
                                  and name.endswith("%"))
    if data.total_rows:
        styler = styler.set_properties(subset=pd.IndexSlice[shown.index[-data.total_rows:], :],
                                       **{"font-weight": "bold"})
    return styler.hide(axis="index")


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _shade(values: pd.Series, change: bool = False) -> list[str]:
    """Blue behind bigger values; for change %, green up and red down."""
    numbers = pd.to_numeric(values, errors="coerce")
    if change:
        return ["" if pd.isna(v) else f"color: {'#16a34a' if v >= 0 else '#dc2626'}" for v in numbers]
    low, high = numbers.min(), numbers.max()
    span = (high - low) or 1.0
    return ["" if pd.isna(v) else f"background-color: rgba(37, 99, 235, {0.06 + 0.34 * (v - low) / span:.2f})"
            for v in numbers]


def table_figure(spec: ChartSpec, frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str,
                 totals: Totals | None = None) -> go.Figure:
    """The same table as a Plotly table, for exports and static images."""
    data = table_data(spec, frame, query, model, lang, totals)
    columns = [[v if fmt is None else format_value(v, fmt, lang, model.currency) for v in column]
               for column, fmt in zip(zip(*data.rows, strict=True), data.formats, strict=True)] if data.rows \
        else [[] for _ in data.labels]
    fills = ["white"] * (len(data.rows) - data.total_rows) + ["#f1f5f9"] * data.total_rows
    escaped = [[escape_html(str(v)) for v in column] for column in columns]
    return go.Figure(go.Table(
        header={"values": [f"<b>{escape_html(label)}</b>" for label in data.labels], "fill_color": "#e2e8f0",
                "align": "left"},
        cells={"values": escaped, "fill_color": [fills], "align": ["left"] + ["right"] * (len(columns) - 1)}))

