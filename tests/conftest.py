"""Shared fixtures: one demo warehouse per test session, built exactly as `beacon demo` builds it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from ingest.demo import build_demo
from semantic.engine import READ_CONFIG, DuckDBEngine
from semantic.model import SemanticModel, load_model
from workspace.home import DEMO_MODEL
from workspace.settings import SETTINGS, Settings

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"  # the team's shared/ folder sits beside the checkout


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    build_demo(path, seed=7)
    Settings(path.parent).set("open_demo", True)  # the app tests open it without signing in, like `make run`
    return path


@pytest.fixture(autouse=True)
def _open_demo_for_app_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTests of the pages open their fresh workspaces as an open demo, as `beacon demo` sets one up.

    Only the default changes, only for tests/test_app_*.py: a workspace whose settings say
    `open_demo: false` (tests/test_app_access.py) still asks for a password.
    """
    if request.module.__name__.rpartition(".")[2].startswith("test_app_"):
        monkeypatch.setitem(SETTINGS, "open_demo", replace(SETTINGS["open_demo"], default=True))


@pytest.fixture(scope="session")
def model() -> SemanticModel:
    return load_model(DEMO_MODEL)


@pytest.fixture(scope="session")
def engine(warehouse: Path) -> DuckDBEngine:
    return DuckDBEngine(warehouse)


@pytest.fixture(scope="session")
def demo_connection(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True, config=READ_CONFIG)
    yield connection
    connection.close()


@pytest.fixture
def con(demo_connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor of its own per test, for the hand-written SQL the tests compare against.

    A cursor per test, because a test that fetches one row of a result leaves the rest pending,
    and DuckDB refuses new work on a connection with a pending result.
    """
    cursor = demo_connection.cursor()
    yield cursor
    cursor.close()


def same_rows(actual: list[tuple], expected: list[tuple], rel: float = 1e-9) -> bool:
    """Row lists equal, floats compared with a relative tolerance, None equal to None."""
    if len(actual) != len(expected):
        return False
    return all(len(a) == len(e) and all(_close(x, y, rel) for x, y in zip(a, e, strict=True))
               for a, e in zip(actual, expected, strict=True))


def _close(x: object, y: object, rel: float) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        return x is not None and y is not None and math.isclose(float(x), float(y), rel_tol=rel, abs_tol=1e-9)
    return x == y
