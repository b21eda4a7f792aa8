"""Queries the compiler must refuse, each with a message that names the problem and a way out."""

from __future__ import annotations

import pytest

from errors import BeaconError, QueryError, UnknownNameError
from semantic.compile import compile_query
from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, SemanticQuery, parse_where


def refused(model: SemanticModel, **parts: object) -> str:
    with pytest.raises(BeaconError) as caught:
        compile_query(SemanticQuery(**parts), model)  # type: ignore[arg-type]
    return str(caught.value)


def test_unknown_metric_suggests_the_nearest(model: SemanticModel) -> None:
    message = refused(model, metrics=("revnue",))
    assert "Unknown metric 'revnue'" in message and "'revenue'" in message


def test_unknown_dimension_suggests_the_nearest(model: SemanticModel) -> None:
    message = refused(model, metrics=("revenue",), dimensions=("chanel",))
    assert "Unknown dimension 'chanel'" in message and "'channel'" in message


def test_unreachable_dimension_names_metric_and_alternatives(model: SemanticModel) -> None:
    message = refused(model, metrics=("spend",), dimensions=("region",))
    assert "'region'" in message and "'spend'" in message and "campaign_name" in message


def test_filter_on_unreachable_dimension_is_refused(model: SemanticModel) -> None:
    message = refused(model, metrics=("revenue", "spend"), filters=(Filter("city", "=", "Shanghai"),))
    assert "'city'" in message and "'spend'" in message


def test_metric_used_as_dimension(model: SemanticModel) -> None:
    assert "is a metric" in refused(model, metrics=("orders",), dimensions=("revenue",))


def test_filter_value_of_wrong_type(model: SemanticModel) -> None:
    message = refused(model, metrics=("revenue",), filters=(Filter("age", ">", "thirty"),))
    assert "'age' needs a number" in message and "thirty" in message


def test_filter_needs_values(model: SemanticModel) -> None:
    assert "at least 1" in refused(model, metrics=("revenue",), filters=(Filter("region", "in", ()),))
    assert "exactly 2" in refused(model, metrics=("revenue",), filters=(Filter("age", "between", (1,)),))


def test_unknown_sort_column(model: SemanticModel) -> None:
    with pytest.raises(UnknownNameError, match=r"column to sort by 'revnue'.*'revenue'"):
        compile_query(SemanticQuery(metrics=("revenue",), order_by=(OrderBy("revnue"),)), model)


@pytest.mark.parametrize(("text", "words"), [
    ("region = ", "Cannot read the filter"),
    ("region = 'East' OR region = 'North'", "OR is not supported"),
    ("region = channel", "plain values"),
    ("upper(region) = 'EAST'", "must start with a field name"),
])
def test_malformed_where(text: str, words: str) -> None:
    with pytest.raises(QueryError, match=words):
        parse_where(text)


def test_bad_query_shapes() -> None:
    with pytest.raises(QueryError, match="at least one metric or dimension"):
        SemanticQuery(metrics=())
    with pytest.raises(QueryError, match="Unknown time grain 'monthly'"):
        SemanticQuery(metrics=("revenue",), time_grain="monthly")
    with pytest.raises(QueryError, match="needs a period"):
        SemanticQuery(metrics=("revenue",), compare="previous_year")
    with pytest.raises(QueryError, match="Unknown filter operator"):
        Filter("region", "==", "East")
    with pytest.raises(QueryError, match="not a date"):
        SemanticQuery.from_dict({"metrics": ["revenue"], "time_range": ["2025-13-01", "2025-12-31"]})
    with pytest.raises(QueryError, match="Unknown part of a query: sql"):
        SemanticQuery.from_dict({"metrics": ["revenue"], "sql": "DROP TABLE orders"})


def test_values_cannot_become_sql(model: SemanticModel) -> None:
    sql = compile_query(SemanticQuery(metrics=("revenue",),
                                      filters=(Filter("region", "=", "East'; DROP TABLE orders; --"),)), model).sql
    assert "'East''; DROP TABLE orders; --'" in sql
