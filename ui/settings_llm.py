"""The LLM's API key and the connection test, beside the LLM settings form.

The key goes only to the workspace's secrets file (0600) under LLM_KEY_SECRET: never
to settings.json, never back onto the page. Once saved, the page says only that a
key is saved and offers to remove it. The password box is cleared after a save by
keying it afresh, so the typed key does not linger in the browser session either.
"""

from __future__ import annotations

import os

import streamlit as st

from errors import BeaconError, UnknownNameError
from semantic.nlq.ask import question_engine
from semantic.nlq.types import AskContext
from ui import resources
from viz.describe import describe
from viz.i18n import error_text, t
from workspace.audit import record
from workspace.home import Workspace
from workspace.secrets import delete_secret, read_secret, save_secret
from workspace.settings import LLM_KEY_SECRET

KEY_ROUND = "settings_key_round"  # bumped after a save, so the password box comes back empty
NOTICE = "settings_key_notice"    # what the last key action did, shown once after the rerun


def key_saved(ws: Workspace) -> bool:
    try:
        read_secret(ws, LLM_KEY_SECRET)
    except UnknownNameError:
        return False
    return True


def _store_key(ws: Workspace, box: str, user: str, lang: str) -> None:
    """Save the typed key (on_click, before the rerun draws a fresh, empty box); the audit log never sees it."""
    key = st.session_state.get(box, "").strip()
    if not key:
        _notice("warning", t("settings.key_empty", lang))
        return
    try:
        record(ws, "settings_change", user, {"secret": LLM_KEY_SECRET, "action": "saved"})
        save_secret(ws, LLM_KEY_SECRET, key)
    except BeaconError as err:
        _notice("error", error_text(err, lang))
        return
    st.session_state[KEY_ROUND] = st.session_state.get(KEY_ROUND, 0) + 1
    _notice("success", t("settings.key_stored", lang))


def _remove_key(ws: Workspace, user: str, lang: str) -> None:
    try:
        record(ws, "settings_change", user, {"secret": LLM_KEY_SECRET, "action": "removed"})
        delete_secret(ws, LLM_KEY_SECRET)
    except BeaconError as err:
        _notice("error", error_text(err, lang))
        return
    _notice("success", t("settings.key_removed", lang))


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def key_block(ws: Workspace, user: str, lang: str) -> None:
    """Either "a key is saved" with Remove, or a password box with Save key; the key itself is never shown."""
    st.markdown(f"**{t('settings.key', lang)}**")
    if os.environ.get("OPENAI_API_KEY"):
        st.caption(t("settings.key_env", lang))
    if key_saved(ws):
        st.success(t("settings.key_saved", lang), icon=":material/key:")
        st.button(t("settings.key_remove", lang), key="settings_key_remove", icon=":material/delete:",
                  on_click=_remove_key, args=(ws, user, lang))
    else:
        st.caption(t("settings.key_none", lang))
        box = f"settings_key_{st.session_state.get(KEY_ROUND, 0)}"
        st.text_input(t("settings.key", lang), type="password", key=box, help=t("settings.key_help", lang),
                      label_visibility="collapsed", placeholder="sk-…")
        st.button(t("settings.key_save", lang), key="settings_key_save", icon=":material/key:",
                  on_click=_store_key, args=(ws, box, user, lang))
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])


def test_connection(ws: Workspace, lang: str) -> None:
    """Ask the saved endpoint a tiny question; say it answered (and how it read it) or why it did not."""
    if not st.button(t("settings.test", lang), key="settings_test", icon=":material/network_check:",
                     help=t("settings.test_help", lang)):
        return
    question, model = t("settings.test_question", lang), resources.model()
    try:
        with st.spinner(t("settings.testing", lang)):
            engine = question_engine("llm", ws)
            reading = engine.interpret(question, AskContext(model=model, lang=lang))
    except BeaconError as err:
        st.error(t("settings.test_failed", lang, message=error_text(err, lang)))
        return
    settings = getattr(engine, "settings")  # noqa: B009 - an LLMEngine, imported lazily with openai
    st.success(t("settings.test_ok", lang, model=settings.model, where=settings.where))
    understood = describe(reading.query, model, lang) if reading.query else reading.clarification or ""
    if understood:
        st.caption(t("settings.test_understood", lang, question=question, understood=understood))
