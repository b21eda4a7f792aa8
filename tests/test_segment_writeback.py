"""Write-back: the segments table answers semantic queries equal to hand-written SQL; runs reproduce; exports."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from errors import InputError, UnknownNameError
from ingest.catalog import read_catalog
from ml.analysis import Analysis, Params, analyse, customer_table
from ml.export import export_bytes
from ml.mapping import propose_mapping
from ml.publish import Published, publish_segments
from ml.runs import get_run, list_runs
from ml.writeback import SEGMENTS_TABLE, extend_model
from semantic.answer import check_tables, run_query
from semantic.engine import READ_CONFIG, DuckDBEngine
from semantic.model import SemanticModel, load_model
from semantic.query import Filter, SemanticQuery
from tests.conftest import same_rows
from workspace.home import DEMO_MODEL


@pytest.fixture(scope="module")
def published(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Analysis, Published]:
    copy = tmp_path_factory.mktemp("segments") / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with DuckDBEngine(copy).reader() as con:
        analysis = analyse(con, Params(propose_mapping(con, "orders")))
    return copy, analysis, publish_segments(copy, copy.parent / "meta.sqlite", load_model(DEMO_MODEL), analysis)


def test_revenue_by_rfm_segment_equals_hand_written_sql(published: tuple[Path, Analysis, Published]) -> None:
    path, _, done = published
    assert done.table == SEGMENTS_TABLE and done.model_file == path.parent / "models" / "demo.yaml"
    model, engine = load_model(done.model_file), DuckDBEngine(path)
    check_tables(model, engine)
    query = SemanticQuery(metrics=("revenue",), dimensions=("rfm_segment",), order_by=())
    actual = sorted(run_query(query, model, engine).frame.rows(), key=str)
    with duckdb.connect(str(path), read_only=True, config=READ_CONFIG) as con:
        expected = con.sql("SELECT s.rfm_segment, coalesce(sum(o.net_amount) FILTER (o.status = 'completed'), 0) "
                           "FROM orders o LEFT JOIN customer_segments s ON s.customer_id = o.customer_id "
                           "GROUP BY 1").fetchall()
    assert same_rows(actual, sorted(expected, key=str), rel=1e-9)
    assert (None, 0.0) in actual  # customers whose only orders were refunded have no segment


def test_high_risk_customers_count(published: tuple[Path, Analysis, Published]) -> None:
    path, analysis, done = published
    model, engine = load_model(done.model_file), DuckDBEngine(path)
    query = SemanticQuery(metrics=("segmented_customers",), filters=(Filter("churn_risk", "=", "high"),))
    count = run_query(query, model, engine).frame.item()
    assert analysis.churn is not None
    assert count == analysis.churn.scores.filter(pl.col("churn_risk") == "high").height > 0
    assert model.dimensions["churn_risk"].values["high"].labels["zh"] == "高"


def test_catalog_and_run_record(published: tuple[Path, Analysis, Published]) -> None:
    path, analysis, done = published
    entry = next(e for e in read_catalog(DuckDBEngine(path)) if e.table == SEGMENTS_TABLE)
    assert entry.kind == "segments" and entry.rows == analysis.features.height
    run = get_run(path.parent / "meta.sqlite", done.run_id)
    assert run.params["as_of"] == "2025-12-31" and run.summary["k"] == analysis.clustering.k
    assert list_runs(path.parent / "meta.sqlite")[0].id == done.run_id
    with pytest.raises(UnknownNameError):
        get_run(path.parent / "meta.sqlite", 999)


def test_a_saved_run_reproduces_its_segments(published: tuple[Path, Analysis, Published]) -> None:
    path, analysis, done = published
    params = Params.from_dict(get_run(path.parent / "meta.sqlite", done.run_id).params)
    with DuckDBEngine(path).reader() as con:
        again = analyse(con, params)
    assert customer_table(again).equals(customer_table(analysis))


def test_bundled_demo_model_is_untouched(warehouse: Path) -> None:
    demo = load_model(DEMO_MODEL)
    assert SEGMENTS_TABLE not in demo.tables and "rfm_segment" not in demo.dimensions
    check_tables(demo, DuckDBEngine(warehouse))  # the demo keeps working where no segmentation ran


def test_model_without_the_table_is_not_extended(model: SemanticModel) -> None:
    assert extend_model(model, "somewhere_else", "client") is None
    extended = extend_model(model, "orders", "customer_id")
    assert extended is not None and any(j.left == "customers" and j.right == SEGMENTS_TABLE for j in extended.joins)


def test_exports(published: tuple[Path, Analysis, Published]) -> None:
    _, analysis, _ = published
    table = customer_table(analysis)
    chosen = table.filter(pl.col("rfm_segment") == "champions")
    data = export_bytes(chosen, ["customer_id", "rfm_segment", "churn_risk"], "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(data[3:]))
    assert back.columns == ["customer_id", "rfm_segment", "churn_risk"] and back.height == chosen.height
    sheet = pl.read_excel(io.BytesIO(export_bytes(chosen, ["customer_id", "monetary"], "xlsx")))
    assert sheet["monetary"].sum() == pytest.approx(chosen["monetary"].sum())
    with pytest.raises(UnknownNameError, match="Did you mean 'monetary'"):
        export_bytes(table, ["monetery"])
    with pytest.raises(InputError):
        export_bytes(table, ["customer_id"], "pdf")


def test_numeric_extras_join_the_clusters(warehouse: Path) -> None:
    with DuckDBEngine(warehouse).reader() as con:
        mapping = replace(propose_mapping(con, "orders"), extras=("quantity", "channel"))
        analysis = analyse(con, Params(mapping, k=3, churn=False))
    profile = analysis.clustering.profile.columns
    assert "extra_quantity_vs_mean" in profile and "extra_channel_vs_mean" not in profile
    assert {"extra_quantity", "extra_channel"} <= set(customer_table(analysis).columns)
