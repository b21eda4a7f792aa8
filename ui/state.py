"""Typed session state: what one browser session remembers between reruns."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

from viz.i18n import LANGUAGES

if TYPE_CHECKING:
    from semantic.nlq.ask import Answer


@dataclass
class SessionState:
    lang: str = "en"
    model: str = "demo"
    table: str | None = None
    ask_history: list[Answer] = field(default_factory=list)  # the Ask page's conversation, oldest first
    ask_marks: dict[int, str] = field(default_factory=dict)  # turn index → the verdict the user gave


def session() -> SessionState:
    """This session's state; the language starts from `?lang=` so a shared link keeps it."""
    if "beacon" not in st.session_state:
        lang = st.query_params.get("lang", "en")
        st.session_state["beacon"] = SessionState(lang=lang if lang in LANGUAGES else "en")
    return st.session_state["beacon"]


def set_language(lang: str) -> None:
    session().lang = lang
    st.query_params["lang"] = lang


def choose_model(name: str) -> None:
    """Make `name` the sidebar's model from the next run on (the picker remembers it per language)."""
    session().model = name
    st.session_state["model_picker"] = name
    for lang in LANGUAGES:
        st.session_state.pop(f"model_picker_{lang}", None)


def once(bucket: str, key: Hashable, action: Callable[[], object]) -> None:
    """Run `action` the first time this session meets `key` in `bucket`, not on every rerun of the page (an audit
    entry per distinct query or refusal); if it fails, the next rerun tries again."""
    done = st.session_state.setdefault(f"once_{bucket}", set())
    if key not in done:
        action()
        done.add(key)
