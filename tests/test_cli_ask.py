"""`beacon ask` in-process: rows equal hand-written SQL on the demo warehouse; exit 3 when it cannot answer."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import beacon
from tests.conftest import same_rows
from viz.format import format_value
from workspace.home import DEMO_MODEL

BY_CHANNEL_JUNE = """
    SELECT channel, SUM(net_amount) FROM orders
    WHERE status = 'completed' AND order_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30'
    GROUP BY channel ORDER BY 2 DESC"""


def run(capsys: pytest.CaptureFixture[str], warehouse: Path, *args: str) -> tuple[int, str, str]:
    code = beacon.main(["ask", *args, "--db", str(warehouse), "--model", str(DEMO_MODEL)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_answer_equals_hand_written_sql(capsys: pytest.CaptureFixture[str], warehouse: Path,
                                            con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run(capsys, warehouse, "revenue by channel last month", "--as-of", "2025-07-15", "--json")
    assert code == 0
    payload = json.loads(out)
    assert {"question", "engine", "understood", "semantic_query", "sql", "columns", "rows"} <= set(payload)
    assert payload["engine"] == "builtin" and payload["columns"] == ["channel", "revenue"]
    assert payload["semantic_query"]["time_range"] == ["2025-06-01", "2025-06-30"]
    expected = con.execute(BY_CHANNEL_JUNE).fetchall()
    assert same_rows(sorted(map(tuple, payload["rows"])), sorted(expected))
    assert payload["understood"].startswith("Revenue by Channel")


def test_chinese_question_answers_in_chinese(capsys: pytest.CaptureFixture[str], warehouse: Path,
                                             con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run(capsys, warehouse, "上个月各渠道的销售额", "--as-of", "2025-07-15", "--json")
    assert code == 0
    payload = json.loads(out)
    assert same_rows(sorted(map(tuple, payload["rows"])), sorted(con.execute(BY_CHANNEL_JUNE).fetchall()))
    assert "销售额" in payload["understood"] and "渠道" in payload["understood"]


def test_text_output_has_the_understood_line_table_and_definitions(capsys: pytest.CaptureFixture[str],
                                                                   warehouse: Path,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run(capsys, warehouse, "revenue last month", "--as-of", "2025-07-15")
    assert code == 0
    total = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                        "AND order_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30'").fetchone()[0]
    lines = out.splitlines()
    assert lines[0].startswith("Understood as: Revenue")
    assert format_value(total, "currency", "en") in out  # ¥6.84M, written for people
    assert "revenue            = SUM(orders.net_amount) WHERE status = 'completed'" in out


def test_unanswerable_question_exits_3_with_the_clarification(capsys: pytest.CaptureFixture[str],
                                                              warehouse: Path) -> None:
    code, out, err = run(capsys, warehouse, "what is the meaning of life", "--json")
    assert code == 3
    payload = json.loads(out)
    assert payload["rows"] == [] and payload["semantic_query"] is None and payload["clarification"]
    code, _, err = run(capsys, warehouse, "what is the meaning of life")
    assert code == 3 and err.strip()


def test_user_errors_exit_2(capsys: pytest.CaptureFixture[str], warehouse: Path, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, warehouse, "revenue last month", "--as-of", "last tuesday")
    assert code == 2 and "YYYY-MM-DD" in err
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    code, _, err = run(capsys, warehouse, "revenue last month", "--engine", "llm")
    assert code == 2 and "OPENAI_API_KEY" in err
    code = beacon.main(["ask", "revenue", "--db", str(tmp_path / "none.duckdb"), "--model", str(DEMO_MODEL)])
    assert code == 2 and "beacon demo" in capsys.readouterr().err
