"""A loaded table's profile: headline numbers, warnings in words, per-column statistics and charts."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ingest.profile import ColumnProfile, TableProfile, Warning
from viz.figures import bar_figure
from viz.format import format_value
from viz.i18n import t


def warning_text(warning: Warning, lang: str) -> str:
    """A profile warning worded for the user; its numbers formatted in their language."""
    values = {"column": warning.column or "", "count": format_value(warning.count, "integer", lang, full=True),
              "share": format_value(warning.share, "percent", lang), "code": warning.code}
    key = f"profile.w_{warning.code}"
    return t(key, lang, **values) if t(key, lang) != key else t("profile.w_other", lang, **values)


def show_profile(profile: TableProfile, lang: str) -> None:
    left, middle, right = st.columns(3)
    left.metric(t("profile.rows", lang), format_value(profile.rows, "integer", lang, full=True))
    middle.metric(t("profile.columns", lang), len(profile.columns))
    right.metric(t("profile.duplicates", lang), format_value(profile.duplicate_rows, "integer", lang, full=True))
    st.markdown(f"**{t('profile.warnings', lang)}**")
    if profile.warnings:
        st.warning("\n".join(f"- {warning_text(w, lang)}" for w in profile.warnings))
    else:
        st.success(t("profile.no_warnings", lang))
    st.dataframe(_summary(profile, lang), hide_index=True, width="stretch")
    names = [c.name for c in profile.columns]
    if not names:
        return
    chosen = st.selectbox(t("clean.column", lang), names, index=names.index(first_shown(profile)),
                          key=f"profile_column_{profile.table}")
    if chosen:
        _column_chart(next(c for c in profile.columns if c.name == chosen), profile.rows, lang)


def is_unique(column: ColumnProfile, rows: int) -> bool:
    """Every filled value differs from the others (an id, an order number): its top values would all be 1."""
    return column.distinct > 1 and column.distinct == rows - column.nulls


def is_key(name: str) -> bool:
    """A name that says the column identifies something: id, customer_id, CustomerID, InvoiceNo, 订单编号."""
    low = name.strip().lower()
    return (low == "id" or low.endswith(("_id", " id", "_no", "_number", "_code", "编号", "号码", "单号"))
            or name.strip().endswith(("ID", "Id", "No", "Code")))


def first_shown(profile: TableProfile) -> str:
    """The column the chart opens on: the first that says something at a glance, i.e. not a key nor a constant,
    and either a distribution (numbers, dates) or text whose values repeat (half the rows or fewer distinct)."""
    def telling(c: ColumnProfile) -> bool:
        filled = profile.rows - c.nulls
        spread = bool(c.histogram) or c.distinct <= filled / 2
        return c.distinct > 1 and spread and not is_unique(c, profile.rows) and not is_key(c.name)

    return next((c.name for c in profile.columns if telling(c)), profile.columns[0].name)


def _id_like(column: ColumnProfile, rows: int) -> bool:
    """Unique values whose chart says nothing: text, or whole numbers the profile took for an identifier
    (a histogram of unique amounts or dates still shows their spread)."""
    return is_unique(column, rows) and (not column.histogram or is_key(column.name)
                                        or any(w.code == "identifier_like" for w in column.warnings))


def _summary(profile: TableProfile, lang: str) -> pl.DataFrame:
    rows = [{t("clean.column", lang): c.name, t("profile.type", lang): c.type,
             t("profile.nulls", lang): format_value(c.null_share, "percent", lang),
             t("profile.blanks", lang): format_value(c.blank_share, "percent", lang),
             t("profile.distinct", lang): format_value(c.distinct, "integer", lang, full=True),
             t("profile.min", lang): _short(c.min), t("profile.max", lang): _short(c.max),
             t("profile.mean", lang): format_value(c.mean, "number", lang)} for c in profile.columns]
    return pl.DataFrame(rows)


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _edge(value: object, lang: str) -> str:
    """A bin edge as a reader would write it: 12.6K, not 12605.050000000001."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_value(float(value), "number", lang)
    return _short(value)


def _column_chart(column: ColumnProfile, rows: int, lang: str) -> None:
    if _id_like(column, rows):
        st.info(t("profile.all_unique", lang, count=format_value(column.distinct, "integer", lang, full=True)))
    elif column.histogram:
        st.caption(t("profile.histogram", lang))
        labels = [f"{_edge(lo, lang)} – {_edge(hi, lang)}" for lo, hi, _ in column.histogram]
        st.plotly_chart(bar_figure(labels, [n for _, _, n in column.histogram], lang), width="stretch",
                        key=f"hist_{column.name}")
    elif column.top_values:
        st.caption(t("profile.top_values", lang))
        labels = [_short(v) for v, _ in column.top_values]
        st.plotly_chart(bar_figure(labels, [n for _, n in column.top_values], lang, horizontal=True),
                        width="stretch", key=f"top_{column.name}")
