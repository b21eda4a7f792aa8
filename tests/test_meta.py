"""The metadata store: whole transactions, areas with their own tables, a second process waiting its turn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workspace.meta import MetaStore

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    store = MetaStore(tmp_path / "meta.sqlite", SCHEMA)
    with store.write() as con:
        con.execute("INSERT INTO notes (body) VALUES ('kept')")
    with pytest.raises(RuntimeError), store.write() as con:
        con.execute("INSERT INTO notes (body) VALUES ('lost')")
        raise RuntimeError("crash mid-save")
    with store.read() as con:
        assert [r["body"] for r in con.execute("SELECT body FROM notes")] == ["kept"]


def test_areas_share_one_file_with_their_own_tables(tmp_path: Path) -> None:
    path = tmp_path / "meta.sqlite"
    MetaStore(path, SCHEMA)
    other = MetaStore(path, "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY);")
    with other.write() as con:
        con.execute("INSERT INTO runs DEFAULT VALUES")
    with MetaStore(path, SCHEMA).read() as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"notes", "runs"}


def test_another_process_waits_for_the_write_lock(tmp_path: Path) -> None:
    store = MetaStore(tmp_path / "meta.sqlite", SCHEMA)
    script = ("import sys; from pathlib import Path; from workspace.meta import MetaStore\n"
              f"s = MetaStore(Path(sys.argv[1]), {SCHEMA!r})\n"
              "with s.write() as c: c.execute(\"INSERT INTO notes (body) VALUES ('cli')\")\n")
    root = Path(__file__).resolve().parent.parent
    with store.write() as con:
        con.execute("INSERT INTO notes (body) VALUES ('app')")
        other = subprocess.Popen([sys.executable, "-c", script, str(store.path)], cwd=root)
        with pytest.raises(subprocess.TimeoutExpired):
            other.wait(timeout=1.5)
    assert other.wait(timeout=30) == 0
    with store.read() as con:
        assert [r["body"] for r in con.execute("SELECT body FROM notes ORDER BY id")] == ["app", "cli"]
