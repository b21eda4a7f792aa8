"""Process-wide resources shared by every session: one engine per warehouse, parsed models."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from errors import BeaconError
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel, load_model
from semantic.postgres_engine import PostgresEngine
from ui.state import session
from workspace.home import Workspace
from workspace.secrets import connection_uri


@st.cache_resource(show_spinner=False)
def _engine(path: str) -> DuckDBEngine:
    return DuckDBEngine(Path(path))


@st.cache_resource(show_spinner=False)
def _live_engine(home: str, connection: str) -> PostgresEngine:
    return PostgresEngine(connection_uri(Workspace(Path(home)), connection))


def engine_for(chosen: SemanticModel) -> DuckDBEngine | PostgresEngine:
    """The engine a model's queries run on: its live database, or the warehouse."""
    if chosen.connection:
        return _live_engine(str(workspace().home), chosen.connection)
    return engine()


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


def model(name: str | None = None) -> SemanticModel:
    """The named model, or the one chosen in the sidebar."""
    path = workspace().model_file(name or session().model)
    return _model(str(path), path.stat().st_mtime_ns)


def model_label(name: str, lang: str) -> str:
    """A model's display name; a broken model file shows its file name rather than failing the sidebar."""
    try:
        return model(name).label(lang)
    except BeaconError:
        return name
