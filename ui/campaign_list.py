"""The campaign list: status, dates, pacing and results of every campaign, filtered and sorted.

Numbers are shown as the user's language writes them (万 and 亿), so sorting
happens here on the numbers before they become text; clicking a row opens the
campaign's review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
import streamlit as st

from semantic.model import SemanticModel
from ui.campaign_format import cell, date_span, header, localized_multi, shown, visible
from ui.widgets import localized_choice
from viz.format import format_date
from viz.i18n import t

STATUSES = ("planned", "running", "ended")
SORTS = ("start", "budget", "spend", "campaign_revenue", "roas", "roi", "pacing")
COLUMNS = ("campaign_name", "status", "channel", "dates", "budget", "spend", "budget_used", "pacing_status",
           "campaign_revenue", "roas", "roi")
COUNTS = ("orders", "buyers", "conversion_rate")  # in place of the spend columns a data policy leaves out
# Every text column takes the width of its longest text (`fitted`), so no name, figure or word is cut; the
# campaign's name stays pinned on the left when a narrow window scrolls the figures.
WIDTHS = {"budget_used": 86}  # a progress bar with its percentage
PROGRESS = ("budget_used",)
OPEN = "cmp_open"  # set by a click on the list: the campaign to show in the review
SECTION = "cmp_section"


def filtered(listing: pl.DataFrame, model: SemanticModel, lang: str, hidden: tuple[str, ...] = ()) -> pl.DataFrame:
    """The rows the user's status, channel and type filters keep, in the chosen order (not by a hidden figure)."""
    left, middle, right, sort, order = st.columns([1.2, 1.6, 1.4, 1.2, 0.8], vertical_alignment="bottom")
    words = {"status": lambda s: t(f"campaigns.status.{s}", lang),
             "channel": lambda v: cell(v, "channel", None, model, lang),
             "campaign_type": lambda v: cell(v, "campaign_type", None, model, lang)}
    for column, place in (("status", left), ("channel", middle), ("campaign_type", right)):
        options = STATUSES if column == "status" else sorted(listing[column].unique().to_list())
        with place:
            chosen = localized_multi(t(f"campaigns.filter.{column.removeprefix('campaign_')}", lang), options,
                                     f"cmp_filter_{column}", lang, words[column])
        if chosen:
            listing = listing.filter(pl.col(column).is_in(chosen))
    with sort:
        sorts = visible(SORTS, hidden) + (list(COUNTS) if hidden else [])
        by = localized_choice(st.selectbox, t("campaigns.filter.sort", lang), sorts, "cmp_sort", lang,
                              lambda c: _sort_label(c, model, lang), default="start")
    descending = order.toggle(t("campaigns.filter.descending", lang), value=True, key="cmp_descending")
    return listing.sort(by, descending=descending, nulls_last=True)


def _sort_label(column: str, model: SemanticModel, lang: str) -> str:
    return model.metrics[column].label(lang) if column in model.metrics else t(f"campaigns.col.{column}", lang)


def campaign_table(listing: pl.DataFrame, model: SemanticModel, lang: str, hidden: tuple[str, ...] = ()) -> None:
    """The list with filters; a clicked row is remembered under OPEN for the review. The figures in `hidden`
    (those the user's data policy cannot split) are left out, and counts the policy can split come instead."""
    rows = filtered(listing, model, lang, hidden)
    columns = visible(COLUMNS, hidden) + (list(COUNTS) if hidden else [])
    st.caption(t("campaigns.list_count", lang, shown=rows.height, total=listing.height,
                 date=format_date(listing["as_of"][0], lang)))
    frame = rows.with_columns(
        budget_used=pl.when(pl.col("budget") > 0).then(pl.col("spend") / pl.col("budget")),
        dates=pl.struct("start", "end").map_elements(lambda r: date_span(r["start"], r["end"], lang),
                                                     return_dtype=pl.String)).select(columns)
    titles = {c: header(c, model, lang) for c in columns} | {"campaign_revenue": t("campaigns.col.revenue", lang)}
    text = shown(frame, model, lang, keep=PROGRESS, labels=titles)
    widths = {c: WIDTHS.get(c) or fitted((titles[c], *text[titles[c]].to_list())) for c in columns}
    config = {titles[c]: st.column_config.Column(width=widths[c], pinned=c == "campaign_name" or None)
              for c in columns}
    config.update({titles[c]: st.column_config.ProgressColumn(
        titles[c], format="percent", min_value=0.0, max_value=1.0, width=WIDTHS[c]) for c in PROGRESS
        if c in columns})
    key = f"cmp_table_{lang}"
    st.dataframe(text, hide_index=True, column_config=config, on_select=_opener(rows, key, lang),
                 selection_mode="single-row", key=key, height=min(38 + 35 * rows.height, 740))


def fitted(texts: Sequence[str], padding: int = 22) -> int:
    """A column width in pixels that shows the longest of `texts` whole in the table's 14 px font (as measured
    in Chromium: 14 px a Chinese character, 7.4 a digit or ¥, 3.8 a space or punctuation, 6.8 another
    letter), plus the cell's padding.

    >>> fitted(["Summer Body Care Promotion 2025"]), fitted(["2025 冬季礼盒新品上市"]), fitted(["¥228.23万"])
    (223, 167, 84)
    """
    return round(max((sum(_glyph(ch) for ch in str(x)) for x in texts), default=0.0) + padding)


def _glyph(ch: str) -> float:
    if ord(ch) >= 0x2E80:
        return 14.0
    return 7.4 if ch.isdigit() or ch == "¥" else 3.8 if ch in " .,:;/–-()" else 6.8


def _opener(rows: pl.DataFrame, key: str, lang: str) -> Callable[[], None]:
    """The callback of a row click: open that campaign in the review section."""
    ids = rows["campaign_id"].to_list()

    def open_clicked() -> None:
        picked = st.session_state[key].selection.rows
        if picked:
            st.session_state[OPEN] = ids[picked[0]]
            show_section("campaign", lang)

    return open_clicked


def show_section(section: str, lang: str) -> None:
    """Switch the page's section from a callback: the radio (keyed per language) is drawn afresh on it."""
    st.session_state[SECTION] = section
    st.session_state.pop(f"{SECTION}_{lang}", None)
