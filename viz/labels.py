"""What a result column is called and how its values are written, in the user's language.

A query's frame has key columns (the time grain, named after it, then the
dimensions), metric columns, and for comparisons `<metric>__previous`,
`__change` and `__change_pct`. Charts, tables and exports all name and format
columns through here, so a title, an axis and a hover say the same thing.

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> model = load_model(DEMO_MODEL)
>>> column_label("revenue__change_pct", model, "zh"), column_format("revenue__change_pct", model)
('销售额变化率', 'percent')
>>> cell_text(1234567.0, "revenue", model, "zh")
'¥123.46万'
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import polars as pl

from semantic.model import SemanticModel
from semantic.query import GRAINS, SemanticQuery
from viz.describe import describe
from viz.format import MISSING, format_value
from viz.format import format_date as _format_date
from viz.i18n import t

SUFFIXES = ("previous", "change_pct", "change")


def split_column(column: str) -> tuple[str, str | None]:
    """('revenue', 'change_pct') for 'revenue__change_pct'; ('revenue', None) for 'revenue'."""
    base, _, suffix = column.rpartition("__")
    return (base, suffix) if base and suffix in SUFFIXES else (column, None)


def column_label(column: str, model: SemanticModel, lang: str) -> str:
    """A metric's, dimension's or time grain's name; comparison columns say which part they are."""
    base, suffix = split_column(column)
    if base in model.metrics:
        label = model.metrics[base].label(lang)
        return t(f"dashboards.{suffix}", lang, label=label) if suffix else label
    if column in model.dimensions:
        return model.dimensions[column].label(lang)
    if column in GRAINS:
        return t(f"dashboards.grain_{column}", lang)
    return column


def column_format(column: str, model: SemanticModel) -> str | None:
    """The number format of a metric column (change % is a percent); None for key columns."""
    base, suffix = split_column(column)
    if base not in model.metrics:
        return None
    return "percent" if suffix == "change_pct" else model.metrics[base].format


def cell_text(value: object, column: str, model: SemanticModel, lang: str, grain: str | None = None) -> str:
    """One value as a reader sees it: ¥1.23亿, 3.4%, 2025年6月, 天猫 (a value's label in the model), or the text.

    A missing number is '–'; a missing key is the group of rows without a value (orders with no campaign),
    named "(none)" / "（无）" wherever it is shown.
    """
    fmt = column_format(column, model)
    if value is None:
        return MISSING if fmt is not None else none_label(lang)
    if fmt is not None and isinstance(value, int | float | Decimal):
        return format_value(float(value), fmt, lang, model.currency)
    if isinstance(value, dt.date):
        return _format_date(value, lang, grain or (column if column in GRAINS else "day"))
    return value_text(value, column, model, lang)


def value_text(value: object, dimension: str, model: SemanticModel, lang: str) -> str:
    """A dimension's value as a reader of `lang` calls it (a campaign's, a channel's name); as it is without a label.

    >>> from semantic.model import load_model
    >>> from workspace.home import DEMO_MODEL
    >>> value_text("618 Mid-Year Sale 2025", "campaign_name", load_model(DEMO_MODEL), "zh")
    '2025 618 年中大促'
    """
    found = model.dimensions.get(dimension)
    return found.value_label(value, lang) if found is not None else str(value)


_YEAR = re.compile(r"^\s*(19|20)\d\d\s+|\s+(19|20)\d\d\s*$")  # '2025 618 年中大促', '618 Mid-Year Sale 2025'


def festival_text(key: str, model: SemanticModel, lang: str) -> str:
    """A campaign named without its year (every edition of a festival, as anomalies group them), in `lang`: the
    label of an edition without its year; the key as it is when no edition has a label.

    >>> from semantic.model import load_model
    >>> from workspace.home import DEMO_MODEL
    >>> festival_text("618 Mid-Year Sale", load_model(DEMO_MODEL), "zh")
    '618 年中大促'
    """
    found = model.dimensions.get("campaign_name")
    for value in found.values if found is not None else ():
        if _YEAR.sub("", value).strip() == key:
            return _YEAR.sub("", found.value_label(value, lang)).strip()
    return key


def value_forms(text: str, dimension: str, model: SemanticModel) -> tuple[str, ...]:
    """Every name (the data's and each label) of the values of `dimension` one of whose names contains `text`, so a
    search in either language finds both.

    >>> from semantic.model import load_model
    >>> from workspace.home import DEMO_MODEL
    >>> value_forms("618 年中", "campaign_name", load_model(DEMO_MODEL))[:3]
    ('618 Mid-Year Sale 2024', '2024 618 年中大促', '618 Mid-Year Sale 2025')
    """
    found, wanted = model.dimensions.get(dimension), text.strip().lower()
    forms: dict[str, None] = {}
    for value, named in (found.values.items() if found is not None and wanted else ()):
        names = (value, *named.labels.values())
        if any(wanted in n.lower() for n in names):
            forms.update(dict.fromkeys(names))
    return tuple(forms)


def none_label(lang: str) -> str:
    """The name of a NULL group: "(none)" / "（无）"."""
    return t("values.none", lang)


def key_columns(query: SemanticQuery) -> tuple[str, ...]:
    """The frame's key columns: the time grain (named after it) then the dimensions."""
    return (*((query.time_grain,) if query.time_grain else ()), *query.dimensions)


def query_title(query: SemanticQuery, model: SemanticModel, lang: str) -> str:
    """'Revenue, Orders by Channel' — the default title of a chart of `query`."""
    return describe(SemanticQuery(metrics=query.metrics, dimensions=query.dimensions,
                                  time_grain=query.time_grain), model, lang)


def escape_html(text: str) -> str:
    """Plotly renders a subset of HTML in titles, labels and hovers; show a name's < and > as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimal columns (DuckDB's exact sums) as floats, which charts and drawings can do arithmetic on."""
    decimals = [name for name, kind in frame.schema.items() if isinstance(kind, pl.Decimal)]
    return frame.with_columns(pl.col(decimals).cast(pl.Float64)) if decimals else frame
