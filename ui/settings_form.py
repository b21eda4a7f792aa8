"""The Settings page's forms: one per section, a typed widget per setting, checked before one atomic save.

Each widget follows the setting's type (a toggle for true/false, a whole-number
box, a date picker for dates, a text box otherwise). A section is saved only when
every value in it passes `workspace.settings.problem`; the problems are worded in
the user's language, and a refused save leaves settings.json exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from errors import BeaconError, redact
from viz.i18n import error_text, t
from workspace.audit import record
from workspace.home import Workspace
from workspace.settings import SETTINGS, SHAPES, Settings, problem

SECTIONS = {
    "llm": ("llm_base_url", "llm_model", "llm_allow_sample_values", "llm_timeout_s"),
    "ask": ("ask_as_of",),
    "queries": ("max_upload_mb", "query_timeout_s", "max_rows"),
    "access": ("open_demo", "session_hours", "signin_max_failures", "signin_lock_minutes"),
}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def section_names() -> dict[str, tuple[str, ...]]:
    """The sections and their settings; a setting no section lists lands in "other", so none is ever hidden."""
    listed = {name for names in SECTIONS.values() for name in names}
    other = tuple(name for name in SETTINGS if name not in listed)
    return {**SECTIONS, **({"other": other} if other else {})}


def label(name: str, lang: str) -> str:
    return t(f"settings.label.{name}", lang)


def setting_widget(name: str, current: Any, lang: str) -> Any:
    """The widget for one setting, showing its saved value; returns what the user entered, as the setting's type."""
    key, text, default = f"settings_{name}", label(name, lang), SETTINGS[name].default
    if isinstance(default, bool):
        return st.toggle(text, value=current, key=key)
    if isinstance(default, int):
        return st.number_input(text, value=current, step=1, format="%d", key=key)
    if SHAPES.get(name) == "date":
        day = st.date_input(text, value=dt.date.fromisoformat(current) if current else None, min_value=EARLIEST,
                            max_value=LATEST, key=key, format="YYYY-MM-DD")
        return day.isoformat() if isinstance(day, dt.date) else ""
    return st.text_input(text, value=current, key=key).strip()


def shown_value(name: str, settings: Settings, lang: str) -> Any:
    """The saved value; a hand-edited one the widget cannot show is named in a warning and the default shown."""
    saved = settings.get(name)
    if problem(name, saved) is None:
        return saved
    st.warning(t("settings.bad_saved", lang, label=label(name, lang), path=settings.path.name))
    return SETTINGS[name].default


def section_form(section: str, names: tuple[str, ...], settings: Settings, user: str, lang: str) -> None:
    """One bordered form: the section's widgets, each with its help shown, and a Save button."""
    with st.form(f"settings_form_{section}"):
        st.markdown(f"#### {t(f'settings.section.{section}', lang)}")
        entered = {}
        for name in names:
            entered[name] = setting_widget(name, shown_value(name, settings, lang), lang)
            st.caption(t(f"settings.help.{name}", lang))
        if st.form_submit_button(t("settings.save", lang), type="primary", icon=":material/save:"):
            save(settings, entered, user, lang)


def problems(entered: dict[str, Any], lang: str) -> list[str]:
    """Every refused value, worded in `lang` with the setting's label."""
    found = ((name, problem(name, value)) for name, value in entered.items())
    return [t(f"settings.problem.{code}", lang, label=label(name, lang)) for name, code in found if code]


def save(settings: Settings, entered: dict[str, Any], user: str, lang: str) -> None:
    """Write the changed values in one step (audited first), or nothing at all, and say which happened."""
    refused = problems(entered, lang)
    if refused:
        st.error(t("settings.not_saved", lang, problems=" ".join(refused)))
        return
    changed = {name: value for name, value in entered.items() if value != settings.get(name)}
    if not changed:
        st.info(t("settings.unchanged", lang))
        return
    try:
        shown = {name: redact(value) if isinstance(value, str) else value for name, value in changed.items()}
        record(Workspace(settings.home), "settings_change", user, {"changed": shown})
        settings.update(changed)
    except BeaconError as err:
        st.error(t("settings.not_saved", lang, problems=error_text(err, lang)))
        return
    except OSError as err:
        st.error(t("settings.write_failed", lang, path=settings.path.name, reason=err.strerror or type(err).__name__))
        return
    st.success(t("settings.saved", lang, names=t("settings.separator", lang).join(label(n, lang) for n in changed)))
