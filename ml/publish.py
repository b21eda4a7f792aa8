"""Keep a finished run: the per-customer table in the warehouse, the model extended, the run recorded.

The order matters for "a failed operation changes nothing": the warehouse table is
written first (one transaction), then the model copy (validated before it is
written), then the run record that points at both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ml.analysis import Analysis, customer_table
from ml.churn import ChurnResult
from ml.labelled import LabelledResult
from ml.mapping import Mapping
from ml.runs import save_run
from ml.writeback import SEGMENTS_TABLE, save_extended, write_table
from semantic.model import SemanticModel


@dataclass(frozen=True)
class Published:
    table: str
    model_file: Path | None  # the workspace model that now has the segment dimensions
    run_id: int


def publish_segments(warehouse: Path, meta: Path, model: SemanticModel, analysis: Analysis,
                     table: str = SEGMENTS_TABLE) -> Published:
    mapping = analysis.params.mapping
    write_table(warehouse, customer_table(analysis), table, f"beacon segment --table {mapping.table}",
                {"params": analysis.params.to_dict()})
    model_file = save_extended(model, warehouse.parent / "models", mapping.table, mapping.customer) \
        if table == SEGMENTS_TABLE else None
    run_id = save_run(meta, "segment", mapping.table, analysis.params.to_dict(), analysis.summary(), table)
    return Published(table, model_file, run_id)


def churn_frame(result: ChurnResult, mapping: Mapping) -> pl.DataFrame:
    columns = ["customer", "recency_days", "frequency", "monetary", "churn_probability", "churn_risk", "expected_loss"]
    return result.scores.select(columns).rename({"customer": mapping.customer})


def publish_churn(warehouse: Path, meta: Path, result: ChurnResult | LabelledResult, source: str,
                  params: dict[str, object], mapping: Mapping | None = None) -> Published:
    """Write the scored customers as `<source>_churn` and record the run with its held-out metrics."""
    table = f"{source}_churn"
    if isinstance(result, LabelledResult):
        frame = result.scores.rename({"customer": result.customer})
    else:
        assert mapping is not None
        frame = churn_frame(result, mapping)
    write_table(warehouse, frame, table, f"beacon churn --table {source}", {"params": params})
    kind = "labelled" if isinstance(result, LabelledResult) else "churn"
    run_id = save_run(meta, kind, source, params, {k: round(v, 4) for k, v in result.metrics.items()}, table)
    return Published(table, None, run_id)
