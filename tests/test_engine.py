"""The engine: time limit, row limit, cache, and picking up a rebuilt warehouse."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from errors import ExecutionError, QueryTimeoutError, WarehouseError
from semantic.answer import run_sql
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel


def make_warehouse(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE orders AS SELECT range AS n FROM range({rows})")
    return path


def sql(text: str) -> CompiledSQL:
    return CompiledSQL(text, (), "duckdb")


def test_slow_query_is_stopped(tmp_path: Path) -> None:
    engine = DuckDBEngine(make_warehouse(tmp_path / "w.duckdb", 10), timeout_s=0.3)
    with pytest.raises(QueryTimeoutError, match=r"longer than 0\.3 s"):
        engine.run(sql("SELECT COUNT(*) FROM range(1000000000000) a"))
    assert engine.run(sql("SELECT COUNT(*) AS c FROM orders")).frame.item() == 10


def test_row_limit_marks_truncation(tmp_path: Path) -> None:
    engine = DuckDBEngine(make_warehouse(tmp_path / "w.duckdb", 50_000), max_rows=20_000)
    result = engine.run(sql("SELECT n FROM orders ORDER BY n"))
    assert result.truncated and result.frame.height == 20_000 and result.frame["n"][-1] == 19_999
    small = engine.run(sql("SELECT n FROM orders WHERE n < 10"))
    assert not small.truncated and small.frame.height == 10


def test_raw_sql_result_says_when_it_was_cut(engine: DuckDBEngine, model: SemanticModel) -> None:
    limited = DuckDBEngine(engine.path, max_rows=100)
    result = run_sql("SELECT order_id FROM orders", model, limited)
    assert result.truncated and result.frame.height == 100


def test_cache_and_rebuild(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "w.duckdb", 5)
    engine = DuckDBEngine(path)
    count = sql("SELECT COUNT(*) AS c FROM orders")
    first = engine.run(count)
    again = engine.run(count)
    assert (first.frame.item(), first.from_cache, again.from_cache) == (5, False, True)
    rebuilt = make_warehouse(tmp_path / "new.duckdb", 7)
    rebuilt.replace(path)  # how `beacon demo` swaps in a new warehouse
    fresh = engine.run(count)
    assert (fresh.frame.item(), fresh.from_cache) == (7, False)


def test_reading_files_is_switched_off(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    engine = DuckDBEngine(make_warehouse(tmp_path / "w.duckdb", 1))
    with pytest.raises(ExecutionError):
        engine.run(sql(f"SELECT * FROM read_csv('{secret}')"))
    with pytest.raises(ExecutionError):
        engine.run(sql("SET enable_external_access = true"))


def test_connection_is_read_only(tmp_path: Path) -> None:
    engine = DuckDBEngine(make_warehouse(tmp_path / "w.duckdb", 1))
    with pytest.raises(ExecutionError):
        engine.run(sql("DELETE FROM orders"))
    assert engine.run(sql("SELECT COUNT(*) FROM orders")).frame.item() == 1


def test_missing_warehouse_is_explained(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="beacon demo"):
        DuckDBEngine(tmp_path / "none.duckdb").run(sql("SELECT 1"))


def test_many_threads_share_one_engine(engine: DuckDBEngine) -> None:
    results: list[int] = []
    statements = [sql(f"SELECT COUNT(*) FROM orders WHERE quantity >= {q}") for q in (1, 2, 3, 4)]

    def work(statement: CompiledSQL) -> None:
        for _ in range(5):
            results.append(engine.run(statement).frame.item())

    threads = [threading.Thread(target=work, args=(s,)) for s in statements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and len(set(results)) == 4


def test_table_names_closes_its_cursor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = DuckDBEngine(make_warehouse(tmp_path / "w.duckdb", 3))
    handed_out = []
    cursor_of = engine._cursor

    def kept() -> tuple[duckdb.DuckDBPyConnection, tuple[int, ...]]:
        cursor, version = cursor_of()
        handed_out.append(cursor)
        return cursor, version

    monkeypatch.setattr(engine, "_cursor", kept)
    assert engine.table_names() == ["orders"]
    (cursor,) = handed_out
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        cursor.execute("SELECT 1")
