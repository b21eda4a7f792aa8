"""A hidden or masked column stays out of reach through every other name of the model.

Hiding `age` must refuse `age_band` (a CASE over age) and a metric AVG(age); masking `city` must
refuse a dimension computed from city; Ask must keep working for such a user.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from errors import PermissionDeniedError
from semantic.compile import compile_query
from semantic.engine import DuckDBEngine
from semantic.model import Dimension, Measure, Metric, SemanticModel
from semantic.nlq.ask import ask
from semantic.nlq.builtin import BuiltinEngine
from semantic.nlq.values import dimension_values
from semantic.query import Filter, OrderBy, Policy, SemanticQuery
from tests.conftest import same_rows

NO_AGE = Policy("ana", hidden=("age",))
MASKED_CITY = Policy("ana", masked=("city",))


@pytest.fixture(scope="module")
def variant(model: SemanticModel) -> SemanticModel:
    """The demo model plus a metric AVG(customers.age) and a dimension computed from city."""
    measures = {**model.measures, "age_sum": Measure("age_sum", table="customers", agg="avg", expr="age"),
                "aged_signups": Measure("aged_signups", table="customers", agg="count", filter="age > 40")}
    metrics = {**model.metrics, "average_age": Metric("average_age", measure="age_sum"),
               "older_signups": Metric("older_signups", measure="aged_signups")}
    city_initial = Dimension("city_initial", exprs={"customers": "LEFT(customers.city, 1)"})
    return replace(model, measures=measures, metrics=metrics,
                   dimensions={**model.dimensions, "city_initial": city_initial})


@pytest.mark.parametrize("query", [
    SemanticQuery(metrics=("new_customers",), dimensions=("age_band",)),
    SemanticQuery(metrics=("revenue",), filters=(Filter("age_band", "=", "45+"),)),
    SemanticQuery(metrics=("revenue",), dimensions=("channel",), order_by=(OrderBy("age_band"),)),
])
def test_a_dimension_computed_from_a_hidden_column_is_refused(query: SemanticQuery, model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError, match="'age_band' reads 'age', which your data policy hides"):
        compile_query(query, model, NO_AGE)


@pytest.mark.parametrize("metric", ["average_age", "older_signups"])
def test_a_metric_reading_a_hidden_column_is_refused(metric: str, variant: SemanticModel) -> None:
    query = SemanticQuery(metrics=(metric,), dimensions=("region",))
    with pytest.raises(PermissionDeniedError, match=f"Metric '{metric}' reads 'age', which your data policy hides"):
        compile_query(query, variant, NO_AGE)


def test_a_dimension_computed_from_a_masked_column_is_refused(variant: SemanticModel, engine: DuckDBEngine) -> None:
    with pytest.raises(PermissionDeniedError, match="'city_initial' reads 'city', which your data policy masks"):
        compile_query(SemanticQuery(metrics=("revenue",), dimensions=("city_initial",)), variant, MASKED_CITY)
    # The masked dimension itself still shows, masked.
    compile_query(SemanticQuery(metrics=("revenue",), dimensions=("city",)), variant, MASKED_CITY)


def test_ask_answers_a_user_with_a_hidden_and_a_masked_column(model: SemanticModel, engine: DuckDBEngine,
                                                              con: duckdb.DuckDBPyConnection) -> None:
    policy = Policy("ana", masked=("city",), hidden=("age",))
    values = dimension_values(model, engine, policy=policy)
    assert values["age_band"] == () and values["city"] == () and values["channel"]
    answer = ask("revenue last month", model=model, engine=engine, question_engine=BuiltinEngine(), lang="en",
                 policy=policy)
    assert answer.answered and answer.error is None
    expected = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                           "AND order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'").fetchall()
    assert same_rows(answer.result.frame.rows(), expected)


def test_unrestricted_queries_are_unchanged(variant: SemanticModel, engine: DuckDBEngine,
                                            con: duckdb.DuckDBPyConnection) -> None:
    query = SemanticQuery(metrics=("new_customers",), dimensions=("age_band",))
    assert compile_query(query, variant, Policy()).sql == compile_query(query, variant).sql
    frame = engine.run(compile_query(SemanticQuery(metrics=("average_age",)), variant)).frame
    assert same_rows(frame.rows(), con.execute("SELECT AVG(age) FROM customers").fetchall())
    values = dimension_values(variant, engine)
    assert values["age_band"] == ("18-24", "25-34", "35-44", "45+")
