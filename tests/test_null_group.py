"""The group of rows without a key value (orders with no campaign) reads "(none)" / "（无）" wherever it is shown.

A missing number stays '–': the key names a group of real rows, the number is undefined.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import pytest

from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.ask import readable_table
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.chart_spec import ChartSpec
from viz.describe import describe_filter
from viz.export import data_csv
from viz.labels import cell_text
from viz.tables import table_data

Q2 = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
BY_CAMPAIGN = SemanticQuery(metrics=("revenue", "roas"), dimensions=("campaign_name",), time_range=Q2)
ORGANIC = ("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND campaign_id IS NULL "
           "AND order_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30'")


def test_a_missing_key_is_named_and_a_missing_number_is_a_dash(model: SemanticModel) -> None:
    assert cell_text(None, "campaign_name", model, "en") == "(none)"
    assert cell_text(None, "campaign_name", model, "zh") == "（无）"
    assert cell_text(None, "roas", model, "zh") == "–"
    assert describe_filter(Filter("campaign_name", "in", (None, "Double 11 2025")), model, "en") \
        == "Campaign in (none), Double 11 2025"


def test_tables_name_the_group_and_keep_its_revenue(model: SemanticModel, engine: DuckDBEngine,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    frame = run_query(BY_CAMPAIGN, model, engine).frame
    organic = con.execute(ORGANIC).fetchone()[0]
    data = table_data(ChartSpec("table"), frame, BY_CAMPAIGN, model, "zh")
    row = next(r for r in data.rows if r[0] == "（无）")
    assert row[1] == pytest.approx(organic) and row[2] is None
    shown = readable_table(frame, BY_CAMPAIGN, model, "en")
    none_row = shown.filter(shown["Campaign"] == "(none)").row(0)
    assert none_row[2] == "–" and none_row[1].startswith("¥")


def test_csv_names_the_group(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    frame = run_query(BY_CAMPAIGN, model, engine).frame
    rows = list(csv.reader(io.StringIO(data_csv(frame, model, "zh").decode("utf-8-sig"))))
    none_row = next(r for r in rows if r[0] == "（无）")
    assert float(none_row[1]) == pytest.approx(con.execute(ORGANIC).fetchone()[0]) and none_row[2] == ""
    assert sum(1 for r in rows if r[0] == "") == 0


@pytest.mark.parametrize("kind", ["bar", "bar_horizontal", "line"])
def test_charts_draw_the_group_under_its_name(kind: str, model: SemanticModel, engine: DuckDBEngine,
                                              con: duckdb.DuckDBPyConnection) -> None:
    """Plotly leaves out a bar whose category is missing; the axis would still scale to it."""
    from viz.charts import build_figure

    query = SemanticQuery(metrics=("revenue",), dimensions=("campaign_name",), time_range=Q2)
    frame = run_query(query, model, engine).frame
    figure = build_figure(ChartSpec(kind, x="campaign_name", y=("revenue",)), frame, query, model, "zh")
    (trace,) = figure.data
    keys, values = (trace.y, trace.x) if kind == "bar_horizontal" else (trace.x, trace.y)
    assert None not in keys and len(keys) == frame.height
    assert values[list(keys).index("（无）")] == pytest.approx(con.execute(ORGANIC).fetchone()[0])
