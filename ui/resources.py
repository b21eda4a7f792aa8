"""Process-wide resources shared by every session: one engine per warehouse, parsed models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from errors import BeaconError
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel, load_model
from viz.i18n import t
from workspace.home import Workspace


@st.cache_resource(show_spinner=False)
def _engine(path: str) -> DuckDBEngine:
    return DuckDBEngine(Path(path))


@st.cache_resource(show_spinner=False)
def _model(path: str, mtime_ns: int) -> SemanticModel:
    return load_model(Path(path))


def workspace() -> Workspace:
    return Workspace.from_env()


def engine() -> DuckDBEngine:
    """The shared engine; a missing warehouse is reported in words by the caller's `shown_errors`."""
    found = _engine(str(workspace().warehouse))
    found.data_version  # noqa: B018 - raises WarehouseError with advice when the file is missing
    return found


def model(name: str = "demo") -> SemanticModel:
    path = workspace().model_file(name)
    return _model(str(path), path.stat().st_mtime_ns)


@contextmanager
def shown_errors(lang: str) -> Iterator[None]:
    """Show a BeaconError as a message on the page instead of a traceback."""
    try:
        yield
    except BeaconError as err:
        st.error(t("app.error", lang, message=str(err)))
