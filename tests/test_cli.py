"""The `beacon` console script, run as a user runs it: a real process, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import same_rows

BEACON = Path(sys.executable).parent / "beacon"


def beacon(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BEACON_HOME": str(home)} if home else dict(os.environ)
    return subprocess.run([str(BEACON), *args], capture_output=True, text=True, env=env, timeout=300)


def test_demo_builds_a_workspace(tmp_path: Path) -> None:
    done = beacon("demo", "--seed", "3", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "orders" in done.stdout and (tmp_path / "warehouse.duckdb").exists()
    assert (tmp_path / "models" / "demo.yaml").exists()
    out = tmp_path / "elsewhere" / "w.duckdb"
    assert beacon("demo", "--out", str(out), "--seed", "3", home=tmp_path).returncode == 0
    tables = "SELECT COUNT(*), md5(string_agg(order_id || ':' || net_amount, ',' ORDER BY order_id)) FROM orders"
    with duckdb.connect(str(out), read_only=True) as a, duckdb.connect(str(tmp_path / "warehouse.duckdb"),
                                                                      read_only=True) as b:
        assert a.execute(tables).fetchall() == b.execute(tables).fetchall()


def test_query_json_matches_hand_written_sql(warehouse: Path, con: duckdb.DuckDBPyConnection) -> None:
    done = beacon("query", "--metric", "revenue", "--metric", "orders", "--by", "channel", "--grain", "month",
                  "--where", "region = 'East'", "--from", "2025-01-01", "--to", "2025-12-31", "--json",
                  "--db", str(warehouse))
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["columns"] == ["month", "channel", "revenue", "orders"]
    assert payload["sql"].startswith("WITH")
    expected = con.execute("""
        SELECT strftime(date_trunc('month', order_date), '%Y-%m-%d'), o.channel, SUM(net_amount),
               COUNT(DISTINCT order_id)
        FROM orders o JOIN customers c USING (customer_id)
        WHERE status = 'completed' AND c.region = 'East' AND year(order_date) = 2025
        GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    assert len(payload["rows"]) == 72
    assert same_rows([tuple(r) for r in payload["rows"]], expected)


def test_query_comparison_and_order(warehouse: Path) -> None:
    done = beacon("query", "--metric", "revenue", "--by", "region", "--from", "2025-06-01", "--to", "2025-06-30",
                  "--compare", "previous_year", "--order", "revenue__change_pct desc", "--limit", "3", "--json",
                  "--db", str(warehouse))
    payload = json.loads(done.stdout)
    changes = [row[payload["columns"].index("revenue__change_pct")] for row in payload["rows"]]
    assert len(changes) == 3 and changes == sorted(changes, reverse=True)


def test_sql_runs_guarded(warehouse: Path, con: duckdb.DuckDBPyConnection) -> None:
    done = beacon("sql", "SELECT channel, COUNT(*) AS n FROM orders GROUP BY 1 ORDER BY 1", "--json",
                  "--db", str(warehouse))
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["columns"] == ["channel", "n"]
    assert [tuple(r) for r in payload["rows"]] == con.execute(
        "SELECT channel, COUNT(*) FROM orders GROUP BY 1 ORDER BY 1").fetchall()
    assert "LIMIT" in payload["sql"]


@pytest.mark.parametrize(("args", "words"), [
    (("query", "--metric", "revnue"), "Did you mean 'revenue'"),
    (("query", "--metric", "spend", "--by", "region"), "cannot be used with metric 'spend'"),
    (("query", "--metric", "revenue", "--where", "region = "), "Cannot read the filter"),
    (("query", "--metric", "revenue", "--from", "2025-02-30", "--to", "2025-03-01"), "is not a date"),
    (("query", "--metric", "revenue", "--from", "2025-01-01"), "Give both --from and --to"),
    (("sql", "DROP TABLE orders"), "Only SELECT"),
    (("sql", "SELECT * FROM read_csv('/etc/passwd')"), "read_csv"),
])
def test_user_errors_are_one_clear_line(args: tuple[str, ...], words: str, warehouse: Path) -> None:
    done = beacon(*args, "--db", str(warehouse))
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")


def test_missing_warehouse(tmp_path: Path) -> None:
    done = beacon("query", "--metric", "revenue", "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2 and "No warehouse at" in done.stderr and "beacon demo" in done.stderr


def test_model_show_in_both_languages() -> None:
    english = beacon("model", "show")
    assert english.returncode == 0
    assert "revenue" in english.stdout and "SUM(orders.net_amount) WHERE status = 'completed'" in english.stdout
    assert "campaign_revenue / spend" in english.stdout and "region" in english.stdout
    chinese = json.loads(beacon("model", "show", "--lang", "zh", "--json").stdout)
    labels = {m["id"]: m["label"] for m in chinese["metrics"]}
    assert labels["revenue"] == "销售额" and labels["roas"] == "投产比" and len(labels) == 19
