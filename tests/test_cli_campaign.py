"""`beacon campaign` and `beacon alerts`, run in-process: JSON shapes, words for bad input, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from beacon import main
from workspace.home import DEMO_MODEL

Run = Callable[..., tuple[int, str, str]]  # beacon args → (exit code, stdout, stderr)


@pytest.fixture()
def run(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*args: str) -> tuple[int, str, str]:
        model_flag = "--semantic-model" if args[:2] == ("campaign", "attribution") else "--model"
        code = main([*args, "--db", str(warehouse), model_flag, str(DEMO_MODEL)])
        out, err = capsys.readouterr()
        return code, out, err
    return call


def test_campaign_list_json(run: Run, con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run("campaign", "list", "--as-of", "2025-06-10", "--json")
    data = json.loads(out)
    assert code == 0 and data["as_of"] == "2025-06-10" and len(data["campaigns"]) == 40
    first = data["campaigns"][0]
    assert {"campaign_id", "status", "budget", "spend", "pacing", "campaign_revenue", "roas", "roi"} <= set(first)
    running = [c["campaign_id"] for c in data["campaigns"] if c["status"] == "running"]
    assert running == ["CMP027", "CMP028"]


def test_campaign_show_json(run: Run, con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run("campaign", "show", "CMP027", "--roas-target", "2", "--by", "region", "--json")
    data = json.loads(out)
    assert code == 0 and data["campaign"]["name"] == "618 Mid-Year Sale 2025" and data["notes"] == []
    assert set(data) == {"campaign", "notes", "versus", "funnel", "buyers", "repeat", "channels", "trend",
                         "funnel_by"}
    reach = con.sql("SELECT COUNT(DISTINCT customer_id) FROM campaign_events WHERE campaign_id = 'CMP027' "
                    "AND event_type = 'reach'").fetchall()[0][0]
    assert data["funnel"][0] == {"step": 1, "event_type": "reach", "customers": reach, "step_conversion": None,
                                 "overall_conversion": 1.0, "drop_off": None}
    assert len(data["trend"]) == 27 and data["trend"][0]["day"] == "2025-05-25"
    assert {r["region"] for r in data["funnel_by"]} >= {"East", "South"}


def test_campaign_show_planned_campaign_explains_itself(run: Run) -> None:
    code, out, _ = run("campaign", "show", "CMP040", "--as-of", "2025-12-01", "--lang", "zh")
    assert code == 0 and "CMP040 2025 冬季礼盒新品上市 — 新品活动, 官网" in out and "Traceback" not in out
    assert "2025 冬季礼盒新品上市 还没有广告花费" in out and "Winter Gift" not in out


def test_unknown_campaign(run: Run) -> None:
    code, out, err = run("campaign", "show", "CMP999")
    assert code == 2 and out == ""
    assert err.strip() == "error: Unknown campaign 'CMP999'. Did you mean 'CMP039' or 'CMP029' or 'CMP019'?"


def test_ab_by_campaigns_and_by_counts(run: Run) -> None:
    code, out, _ = run("campaign", "ab", "--a", "CMP007", "--b", "CMP027", "--json")
    data = json.loads(out)
    assert code == 0 and data["a"]["name"] == "CMP007" and data["b"]["name"] == "CMP027"
    assert set(data) >= {"difference", "difference_interval", "p_value", "significant", "verdict"}
    code, out, _ = run("campaign", "ab", "--a-conv", "200", "--a-n", "1000", "--b-conv", "250", "--b-n", "1000",
                       "--json", "--lang", "zh")
    data = json.loads(out)
    assert data["p_value"] == pytest.approx(0.00742, abs=1e-5) and data["verdict"].startswith("B 的转化率比 A 高 5.0")
    code, _, err = run("campaign", "ab", "--a", "CMP007", "--b-conv", "3")
    assert code == 2 and "Give --b CAMPAIGN_ID, or both --b-conv and --b-n" in err
    code, _, err = run("campaign", "ab", "--a-conv", "5", "--a-n", "0", "--b-conv", "1", "--b-n", "10")
    assert code == 2 and "Variant A has no people" in err


def test_attribution_json(run: Run) -> None:
    code, out, _ = run("campaign", "attribution", "--model", "last", "--from", "2025-11-01", "--to", "2025-11-30",
                       "--json")
    data = json.loads(out)
    assert code == 0 and data["models"] == ["last"] and data["by"] == "channel"
    assert sum(r["last"] for r in data["rows"]) == pytest.approx(1.0)
    assert data["purchases"] >= data["attributed"] > 0
    code, _, err = run("campaign", "attribution", "--from", "2025-11-01")
    assert code == 2 and "Give both --from and --to" in err


def test_sample_size(run: Run) -> None:
    code, out, _ = run("campaign", "sample-size", "--baseline", "0.1", "--lift", "0.02", "--json")
    assert code == 0 and json.loads(out)["per_group"] == 3841
    code, _, err = run("campaign", "sample-size", "--baseline", "0.1", "--lift", "0")
    assert code == 2 and "must be non-zero" in err


def test_anomalies_text(run: Run) -> None:
    code, out, _ = run("campaign", "anomalies", "--from", "2025-06-01", "--to", "2025-06-30")
    assert code == 0 and out.strip()
    code, _, err = run("campaign", "anomalies", "--from", "2025-06-30", "--to", "2025-06-01")
    assert code == 2 and "ends (2025-06-01) before it starts" in err


def test_alerts_add_list_check(run: Run, tmp_path: Path) -> None:
    meta = str(tmp_path / "meta.sqlite")
    code, out, _ = run("alerts", "add", "--metric", "roas", "--op", "<", "--threshold", "2.5", "--days", "2",
                       "--meta", meta)
    assert code == 0 and out.strip() == "#1: ROAS of any running campaign below 2.50 for 2 day(s) in a row"
    code, out, _ = run("alerts", "list", "--json", "--meta", meta)
    assert json.loads(out) == [{"id": 1, "metric": "roas", "comparator": "<", "threshold": 2.5, "days": 2,
                                "scope": "running", "scope_value": None}]
    report = tmp_path / "out" / "alerts.json"
    code, out, _ = run("alerts", "check", "--as-of", "2025-06-10", "--json", "--out", str(report), "--meta", meta)
    data = json.loads(out)
    assert code == 0 and [t["subject"] for t in data["triggered"]] == ["CMP027"]
    assert json.loads(report.read_text(encoding="utf-8")) == data
    code, out, _ = run("alerts", "check", "--as-of", "2025-05-10", "--meta", meta, "--lang", "zh")  # none running
    assert code == 0 and out.strip() == "没有触发的预警。"


def test_alerts_bad_input(run: Run, tmp_path: Path) -> None:
    meta = str(tmp_path / "meta.sqlite")
    code, _, err = run("alerts", "add", "--metric", "roas", "--op", "<", "--threshold", "1", "--channel", "Tmal",
                       "--meta", meta)
    assert code == 2 and "Unknown campaign channel 'Tmal'. Did you mean 'Tmall'?" in err
    code, _, err = run("alerts", "remove", "3", "--meta", meta)
    assert code == 2 and "Unknown alert rule '3'" in err
    code, out, _ = run("alerts", "list", "--json", "--meta", meta)
    assert json.loads(out) == []


def _reach_and_purchase(con: duckdb.DuckDBPyConnection, campaign_id: str, day: str) -> tuple[int, int]:
    return con.execute("SELECT COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach'), "
                       "COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase') FROM campaign_events "
                       "WHERE campaign_id = ? AND event_time < CAST(? AS DATE) + 1", [campaign_id, day]).fetchall()[0]


def test_show_and_ab_measure_the_funnel_on_the_as_of_day(run: Run, con: duckdb.DuckDBPyConnection) -> None:
    reach, bought = _reach_and_purchase(con, "CMP027", "2025-06-10")
    code, out, _ = run("campaign", "show", "CMP027", "--as-of", "2025-06-10", "--json")
    funnel = json.loads(out)["funnel"]
    assert code == 0 and (funnel[0]["customers"], funnel[4]["customers"]) == (reach, bought)
    assert reach < _reach_and_purchase(con, "CMP027", "2025-12-31")[0]
    code, out, _ = run("campaign", "ab", "--a", "CMP027", "--b", "CMP028", "--as-of", "2025-06-10", "--json")
    data = json.loads(out)
    other = _reach_and_purchase(con, "CMP028", "2025-06-10")
    assert code == 0 and (data["a"]["size"], data["a"]["conversions"]) == (reach, bought)
    assert (data["b"]["size"], data["b"]["conversions"]) == other
