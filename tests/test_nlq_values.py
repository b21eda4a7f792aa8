"""Dimension values read from the data, and the value labels a model gives them (Tmall → 天猫)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from errors import ModelError
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel, load_model, model_to_dict, parse_model, save_model
from semantic.nlq.ask import ask
from semantic.nlq.builtin import BuiltinEngine
from semantic.nlq.values import dimension_values
from semantic.query import Filter


def test_values_are_the_distinct_values_in_the_data(model: SemanticModel, engine: DuckDBEngine,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    values = dimension_values(model, engine)
    assert set(values) == {n for n, d in model.dimensions.items() if d.type == "string"}
    cities = [r[0] for r in con.sql("SELECT DISTINCT city FROM customers ORDER BY 1").fetchall()]
    assert list(values["city"]) == cities
    # channel lives on orders, ad spend and campaigns: the union of all three
    channels = con.sql("""SELECT channel FROM orders UNION SELECT channel FROM ad_spend
                          UNION SELECT channel FROM campaigns ORDER BY 1""").fetchall()
    assert list(values["channel"]) == [r[0] for r in channels]
    assert "Offline Store" in values["channel"]
    assert values["age_band"] == ("18-24", "25-34", "35-44", "45+")  # a computed dimension


def test_values_are_capped_per_dimension(model: SemanticModel, engine: DuckDBEngine) -> None:
    values = dimension_values(model, engine, limit_per_dim=3)
    assert len(values["city"]) == 3 and len(values["region"]) == 3


def test_demo_values_have_chinese_labels(model: SemanticModel, engine: DuckDBEngine) -> None:
    data = dimension_values(model, engine)
    for name in ("channel", "region", "member_tier", "product_category", "campaign_type", "gender"):
        labels = model.dimensions[name].values
        assert set(labels) <= set(data[name]), name  # every labelled value exists in the data
        assert all(labels[v].label("zh") != v for v in data[name]), name
    assert model.dimensions["channel"].values["JD"].label("zh") == "京东"
    assert model.dimensions["region"].values["East"].label("zh") == "华东"


CODES = ("campaign_id",)  # identifiers, the same in every language


def test_every_english_demo_value_has_a_chinese_name(model: SemanticModel, engine: DuckDBEngine) -> None:
    """The Chinese UI shows no English data value: every value with Latin letters is named in Chinese."""
    data = dimension_values(model, engine)
    for name, values in data.items():
        dim = model.dimensions[name]
        english = [v for v in values if re.search(r"[A-Za-z]", v) and name not in CODES]
        unnamed = [v for v in english if not re.search(r"[\u4e00-\u9fff]", dim.value_label(v, "zh"))]
        assert not unnamed, (name, unnamed)
        assert all(dim.value_label(v, "en") == v or name in ("status", "event_type") for v in values), name
    campaign = model.dimensions["campaign_name"]
    assert len(data["campaign_name"]) == 40 and len(set(map(lambda v: campaign.value_label(v, "zh"),
                                                             data["campaign_name"]))) == 40
    assert campaign.value_label("618 Mid-Year Sale 2025", "zh") == "2025 618 年中大促"
    assert campaign.value_label("Double 11 2025", "zh") == "2025 双11"
    assert model.dimensions["city"].value_label("Shanghai", "zh") == "上海"
    assert model.dimensions["gender"].value_label("Female", "zh") == "女性"
    assert model.dimensions["region"].value_label("Central", "zh") == "华中"


@pytest.mark.parametrize(("question", "campaign"), [("2025 618 年中大促的投产比", "618 Mid-Year Sale 2025"),
                                                    ("2025 双11 抖音直播的销售额", "Double 11 Douyin Live 2025"),
                                                    ("2024 三八女王节的销售额", "Women's Day 2024")])
def test_questions_name_campaigns_in_chinese(question: str, campaign: str, model: SemanticModel,
                                            engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    answer = ask(question, model=model, engine=engine, question_engine=BuiltinEngine(), lang="zh",
                 as_of=dt.date(2025, 12, 31))
    query = answer.interpretation.query
    assert query is not None and query.filters == (Filter("campaign_name", "=", campaign),)
    metric = query.metrics[0]
    expected = {
        "roas": """SELECT SUM(net_amount) FILTER (WHERE status = 'completed') / (SELECT SUM(spend) FROM ad_spend
                   JOIN campaigns USING (campaign_id) WHERE campaign_name = $1)
                   FROM orders JOIN campaigns USING (campaign_id) WHERE campaign_name = $1""",
        "revenue": """SELECT SUM(net_amount) FROM orders JOIN campaigns USING (campaign_id)
                      WHERE status = 'completed' AND campaign_name = $1"""}[metric]
    assert answer.result.frame[metric][0] == pytest.approx(con.execute(expected, [campaign]).fetchone()[0])
    assert campaign not in answer.understood  # restated by its Chinese name


SMALL = """
name: shop
tables:
  sales: {time: day}
dimensions:
  channel:
    table: sales
    values:
      Tmall: {label: {zh: 天猫}, synonyms: {zh: [天猫商城], en: [tmall.com]}}
      JD: {label: 京东}
measures:
  amount: {table: sales, agg: sum, expr: price}
metrics:
  revenue: {measure: amount, format: currency}
"""


def test_value_labels_parse_and_save_round_trip(tmp_path: Path) -> None:
    model = parse_model(SMALL)
    tmall = model.dimensions["channel"].values["Tmall"]
    assert tmall.label("zh") == "天猫" and tmall.synonyms == {"zh": ("天猫商城",), "en": ("tmall.com",)}
    assert model.dimensions["channel"].values["JD"].label("en") == "京东"  # a plain label is English
    save_model(model, tmp_path / "shop.yaml")
    assert load_model(tmp_path / "shop.yaml") == model
    assert parse_model(yaml.safe_dump(model_to_dict(model), allow_unicode=True)) == model


def test_the_demo_model_round_trips_with_its_value_labels(model: SemanticModel, tmp_path: Path) -> None:
    save_model(model, tmp_path / "demo.yaml")
    assert load_model(tmp_path / "demo.yaml") == model


@pytest.mark.parametrize(("change", "words"), [
    (("JD: {label: 京东}", "JD: {lable: 京东}"), "dimensions.channel.values.JD.lable: unknown field 'lable'"),
    (("JD: {label: 京东}", "JD: 京东"), "dimensions.channel.values.JD: expected a mapping"),
    (("JD: {label: 京东}", "JD: {label: {fr: Jingdong}}"), "unknown language 'fr'"),
])
def test_bad_value_labels_say_where(change: tuple[str, str], words: str) -> None:
    with pytest.raises(ModelError, match=words.replace(".", r"\.")):
        parse_model(SMALL.replace(*change), "shop.yaml")
