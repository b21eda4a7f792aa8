"""Alert rules: stored in the metadata store, triggered (or not) on controlled days of the demo warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from errors import InputError, UnknownNameError
from ml.alerts import check_rule, describe_rule, evaluate, triggered_alerts
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from workspace.alerts import AlertRule, add_rule, list_rules, remove_rule
from workspace.home import Workspace

AS_OF = dt.date(2025, 6, 10)


def test_rules_are_stored_listed_and_removed(tmp_path: Path) -> None:
    meta = tmp_path / "meta.sqlite"
    first = add_rule(meta, AlertRule("roas", "<", 1.5, days=2))
    second = add_rule(meta, AlertRule("spend", ">", 50_000, scope="channel", scope_value="Tmall"))
    assert (first.id, second.id) == (1, 2)
    assert list_rules(meta) == [first, second]
    remove_rule(meta, 1)
    assert list_rules(meta) == [second]
    with pytest.raises(UnknownNameError, match="Unknown alert rule '7'"):
        remove_rule(meta, 7)
    assert list_rules(meta) == [second]


def test_bad_rules_are_refused_in_words(model: SemanticModel, engine: DuckDBEngine) -> None:
    with pytest.raises(InputError, match="Unknown comparator '=='"):
        AlertRule("roas", "==", 1.5)
    with pytest.raises(InputError, match="1 to 90 days"):
        AlertRule("roas", "<", 1.5, days=0)
    with pytest.raises(InputError, match="needs the channel it watches"):
        AlertRule("roas", "<", 1.5, scope="channel")
    with pytest.raises(UnknownNameError, match="Did you mean 'campaign'"):
        AlertRule("roas", "<", 1.5, scope="campain", scope_value="CMP001")
    with pytest.raises(UnknownNameError, match=r"Unknown metric 'roaz'\. Did you mean 'roas'"):
        check_rule(AlertRule("roaz", "<", 1.5), model, engine)
    with pytest.raises(UnknownNameError, match="Did you mean 'Tmall'"):
        check_rule(AlertRule("roas", "<", 1.5, scope="channel", scope_value="Tmal"), model, engine)
    with pytest.raises(UnknownNameError, match="Did you mean 'CMP027'"):
        check_rule(AlertRule("roas", "<", 1.5, scope="campaign", scope_value="CMP0027"), model, engine)


def daily_roas(con: duckdb.DuckDBPyConnection) -> dict[str, list[float]]:
    rows = con.sql("""
        SELECT a.campaign_id, a.day, COALESCE(o.r, 0) / a.s FROM
          (SELECT campaign_id, date AS day, SUM(spend) s FROM ad_spend GROUP BY 1, 2) a
          JOIN campaigns c ON c.campaign_id = a.campaign_id AND DATE '2025-06-10' BETWEEN c.start_date AND c.end_date
          LEFT JOIN (SELECT campaign_id, order_date, SUM(net_amount) r FROM orders WHERE status = 'completed'
                     GROUP BY 1, 2) o ON o.campaign_id = a.campaign_id AND o.order_date = a.day
        WHERE a.day IN ('2025-06-09', '2025-06-10') ORDER BY 1, 2""").fetchall()
    out: dict[str, list[float]] = {}
    for campaign_id, _, roas in rows:
        out.setdefault(campaign_id, []).append(roas)
    return out


def test_roas_of_any_running_campaign(model: SemanticModel, engine: DuckDBEngine,
                                      con: duckdb.DuckDBPyConnection) -> None:
    rule = AlertRule("roas", "<", 2.5, days=2, id=1)
    expected = {c: v for c, v in daily_roas(con).items() if len(v) == 2 and all(x < 2.5 for x in v)}
    alerts = evaluate(rule, model, engine, AS_OF)
    assert [a.subject for a in alerts] == sorted(expected)
    for alert in alerts:
        assert list(alert.values) == pytest.approx(expected[alert.subject])
    assert [a.subject for a in alerts] == ["CMP027"]  # CMP028 dipped below 2.5 on one day only
    assert alerts[0].days == (dt.date(2025, 6, 9), dt.date(2025, 6, 10))
    assert evaluate(AlertRule("roas", "<", 0.5, days=2), model, engine, AS_OF) == []


def test_channel_and_campaign_scopes(model: SemanticModel, engine: DuckDBEngine,
                                     con: duckdb.DuckDBPyConnection) -> None:
    spend = [r[0] for r in con.sql("SELECT SUM(spend) FROM ad_spend WHERE channel = 'Tmall' "
                                   "AND date BETWEEN '2025-06-08' AND '2025-06-10' GROUP BY date ORDER BY date")
             .fetchall()]
    low, high = min(spend), max(spend)
    hit = evaluate(AlertRule("spend", ">", low - 1, days=3, scope="channel", scope_value="Tmall"), model, engine, AS_OF)
    assert [(a.subject, a.values) for a in hit] == [("Tmall", pytest.approx(tuple(spend)))]
    assert evaluate(AlertRule("spend", ">", low + 1, days=3, scope="channel", scope_value="Tmall"),
                    model, engine, AS_OF) == []
    assert evaluate(AlertRule("spend", "<=", high, days=3, scope="campaign", scope_value="CMP027"),
                    model, engine, AS_OF)[0].subject == "CMP027"


def test_a_missing_day_never_triggers(model: SemanticModel, engine: DuckDBEngine) -> None:
    start = dt.date(2025, 5, 25)  # CMP027's first day: there is no day before it to hold the condition
    always = AlertRule("spend", ">=", 0, days=2, scope="campaign", scope_value="CMP027")
    assert evaluate(always, model, engine, start) == []
    assert len(evaluate(AlertRule("spend", ">=", 0, days=1, scope="campaign", scope_value="CMP027"),
                        model, engine, start)) == 1


def test_triggered_alerts_for_home(tmp_path: Path, model: SemanticModel, engine: DuckDBEngine) -> None:
    ws = Workspace(tmp_path)
    assert triggered_alerts(ws, model, engine, AS_OF) == []
    add_rule(ws.meta, AlertRule("roas", "<", 2.5, days=2))
    add_rule(ws.meta, AlertRule("roas", "<", 0.1, days=1))
    alerts = triggered_alerts(ws, model, engine, AS_OF)
    assert [(a.rule.id, a.subject) for a in alerts] == [(1, "CMP027")]
    assert alerts[0].describe(model, "en").startswith(
        "ROAS of any running campaign below 2.50 for 2 day(s) in a row: CMP027 — Jun 9, 2025 2.09, Jun 10, 2025 2.07")
    assert alerts[0].describe(model, "zh").startswith("任一进行中的活动的投产比连续 2 天低于 2.50：CMP027")
    assert alerts[0].to_dict()["days"] == ["2025-06-09", "2025-06-10"]


def test_rule_wording(model: SemanticModel) -> None:
    rule = AlertRule("spend", ">=", 50_000, days=3, scope="channel", scope_value="Tmall")
    assert describe_rule(rule, model, "en") == "Ad spend of channel Tmall at or above ¥50K for 3 day(s) in a row"
    assert describe_rule(rule, model, "zh") == "渠道 天猫的广告花费连续 3 天不低于 ¥5万"
