"""Model files: the demo model loads, and broken files are refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import ModelError
from semantic.model import SemanticModel, load_model, parse_model
from viz.i18n import LANGUAGES

GOOD = """\
name: shop
tables:
  sales: {time: day}
dimensions:
  store: {table: sales}
measures:
  amount: {table: sales, agg: sum, expr: price * qty}
metrics:
  revenue: {measure: amount, format: currency}
"""


def test_demo_model_is_complete(model: SemanticModel) -> None:
    assert len(model.metrics) == 19 and {"revenue", "roas", "conversion_rate"} <= set(model.metrics)
    for part in (*model.metrics.values(), *model.dimensions.values()):
        for lang in LANGUAGES:
            assert part.labels.get(lang), f"{part.name} has no {lang} label"
    for metric in model.metrics.values():
        assert metric.description("en") and metric.description("zh"), metric.name
    assert "销售额" in model.metrics["revenue"].label("zh")
    assert "GMV" in model.metrics["revenue"].synonyms["zh"]


def test_metric_definitions_read_like_formulas(model: SemanticModel) -> None:
    assert model.definition("revenue") == "SUM(orders.net_amount) WHERE status = 'completed'"
    assert model.definition("roas") == "campaign_revenue / spend"
    assert [m.name for m in model.measures_of("roi")] == ["campaign_net_amount", "ad_spend_amount"]


def test_a_small_model_parses() -> None:
    parsed = parse_model(GOOD, "shop.yaml")
    assert parsed.measures["amount"].expr == "price * qty"
    assert parsed.dimensions["store"].exprs == {"sales": "store"}
    assert parsed.metrics["revenue"].label("zh") == "revenue"


@pytest.mark.parametrize(("change", "where", "words"), [
    (("format: currency", "format: money"), "line 9, metrics.revenue.format", "'money' is not one of"),
    (("agg: sum", "agg: summ"), "line 7, measures.amount.agg", "Did you mean 'sum'"),
    (("{measure: amount", "{measure: amont"), "line 9, metrics.revenue.measure", "Did you mean 'amount'"),
    (("store: {table: sales}", "store: {table: sale}"), "line 5, dimensions.store.table", "Unknown table 'sale'"),
    (("expr: price * qty", "expr: price * (qty"), "line 7, measures.amount.expr", "cannot parse SQL"),
    (("  sales: {time: day}", "  sales: {tim: day}"), "line 3, tables.sales.tim", "Did you mean 'time'"),
    (("revenue: {", "bad-name: {"), "line 9, metrics.bad-name", "names may use only letters"),
    (("name: shop\n", ""), "shop.yaml, line 1", "missing required field 'name'"),
    (("metrics:\n  revenue", "metrics:\n  store"), "metrics.store", "also a measure or dimension"),
    (("store: {", "month: {"), "line 5, dimensions.month", "reserved for the time grain"),
])
def test_broken_models_say_where(change: tuple[str, str], where: str, words: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ModelError) as caught:
        parse_model(text, "shop.yaml")
    assert where in str(caught.value) and words in str(caught.value), str(caught.value)


def test_yaml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(ModelError, match=r"shop.yaml, line 2, column \d+: not valid YAML"):
        parse_model("name: x\n  bad: indentation\n", "shop.yaml")


def test_circular_metrics() -> None:
    text = GOOD + "  a: {expr: b + revenue}\n  b: {expr: a / 2}\n"
    with pytest.raises(ModelError, match="loop: a -> b -> a"):
        parse_model(text, "shop.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Cannot read model file"):
        load_model(tmp_path / "nope.yaml")
