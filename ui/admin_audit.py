"""The Admin page's audit log: browse who did what, filtered by user, event and dates, newest first; export CSV.

The log itself is append-only in the database (workspace.audit); this panel only reads it. Entries are
stored in UTC and shown, like the days the filter picks, in the workspace's time zone (workspace.clock).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from ui import resources
from ui.widgets import localized_choice
from viz.i18n import t
from workspace import audit, clock, users
from workspace.audit import EVENTS, AuditEntry
from workspace.dashboards import localized
from workspace.home import Workspace

WORDED = ("page", "what", "action", "role", "reason")  # detail values from a fixed list, worded for the reader
LEAD = ("title", "action", "page", "question")  # shown first, so a narrow column still says what it was about
SHOWN = 500  # most entries drawn on the page; the CSV holds every match
DEFAULT_DAYS = 30


def audit_panel(lang: str) -> None:
    """Filters, the matching entries and a CSV of all of them."""
    ws = resources.workspace()
    zone = clock.zone(ws.home)
    user, event, since, until = _filters([u.username for u in users.list_users(ws)], ws, lang)
    entries = audit.browse(ws, user=user, event=event, since=since, until=until)
    st.caption(t("access.audit_count", lang, n=len(entries), shown=min(len(entries), SHOWN), zone=zone.key))
    st.dataframe(_table(entries[:SHOWN], zone, lang), hide_index=True, width="stretch",
                 column_config=column_widths(lang))
    st.download_button(t("access.audit_export", lang), audit.to_csv(entries).encode("utf-8"),
                       file_name="beacon-audit.csv", mime="text/csv", icon=":material/download:",
                       key="admin_audit_csv")


def _filters(names: list[str], ws: Workspace, lang: str) -> tuple[str | None, str | None, dt.datetime,
                                                                  dt.datetime]:
    """(user, event, since, until): None means any; the dates are whole days of the workspace, both included."""
    everyone = t("access.any", lang)
    columns = st.columns(3)
    with columns[0]:
        user = localized_choice(st.selectbox, t("access.column.user", lang), ["", *names], "admin_audit_user", lang,
                                lambda n: n or everyone)
    with columns[1]:
        event = localized_choice(st.selectbox, t("access.column.event", lang), ["", *EVENTS], "admin_audit_event",
                                 lang, lambda e: t(f"access.event.{e}", lang) if e else everyone)
    with columns[2]:
        today = clock.today(ws.home)
        chosen = st.date_input(t("access.audit_dates", lang, zone=clock.zone(ws.home).key),
                               (today - dt.timedelta(days=DEFAULT_DAYS), today), key="admin_audit_dates")
    since, until = clock.day_span(*_range(chosen, today), ws.home)
    return user or None, event or None, since, until


def _range(chosen: object, today: dt.date) -> tuple[dt.date, dt.date]:
    """A date range while the user is still picking its end is taken as that one day."""
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    days = [d for d in days if isinstance(d, dt.date)] or [today]
    return min(days), max(days)


def detail_text(detail: dict[str, object], lang: str = "en") -> str:
    """An entry's detail as an auditor reads it: keys and known values (pages, actions, roles) in the reader's
    language, a list (a dashboard's tiles) as its items; names, ids and SQL stay as they were stored.

    >>> detail_text({"action": "add", "target": "east", "role": "viewer"})
    'action: added · user: east · role: Viewer'
    >>> detail_text({"dashboard": "d1", "tiles": ["a1", "b2"]}, "zh")
    '看板：d1 · 图块：a1, b2'
    """
    separator = "：" if lang == "zh" else ": "
    first = sorted(detail, key=lambda key: key not in LEAD)  # what the entry is about, before ids and lists
    return " · ".join(f"{_known(f'access.detail.{key}', lang) or key}{separator}{_value(key, detail[key], lang)}"
                      for key in first)


def _value(key: str, value: object, lang: str) -> str:
    if key == "title" and isinstance(value, str):
        return localized(value, lang)  # a demo dashboard's title is stored as its text key
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return t(f"access.detail_value.{'yes' if value else 'no'}", lang)
    if not isinstance(value, str) or key not in WORDED:
        return str(value)
    return (_known(f"access.detail_value.{key}.{value.replace(' ', '_')}", lang)
            or _known(f"access.{key}.{value}", lang) or value)  # roles and permission actions have their words


def _known(key: str, lang: str) -> str | None:
    """The text of `key`, or None when no translation file has it."""
    text = t(key, lang)
    return None if text == key else text


WIDTHS = {"at": 140, "event": 140, "user": 80, "detail": 360, "sql": 100, "rows": 55, "duration_ms": 85}


def column_widths(lang: str) -> dict[str, st.column_config.Column]:
    """Pixel widths that fit a wide page: the event and the detail read in full, the SQL takes what is left
    (its full text shows when a cell is opened, and in the CSV)."""
    return {t(f"access.column.{name}", lang): st.column_config.Column(width=px) for name, px in WIDTHS.items()}


def _table(entries: list[AuditEntry], zone: ZoneInfo, lang: str) -> pl.DataFrame:
    def column(name: str) -> str:
        return t(f"access.column.{name}", lang)

    return pl.DataFrame({
        column("at"): [e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") for e in entries],
        column("event"): [t(f"access.event.{e.event}", lang) for e in entries],
        column("user"): [e.user or "" for e in entries],
        column("detail"): [detail_text(e.detail, lang) for e in entries],
        column("sql"): [e.sql or "" for e in entries],
        column("rows"): ["" if e.rows is None else f"{e.rows:,}" for e in entries],
        column("duration_ms"): ["" if e.duration_ms is None else f"{e.duration_ms:,.1f}" for e in entries],
    }, schema={column(n): pl.String for n in ("at", "event", "user", "detail", "sql", "rows", "duration_ms")})
