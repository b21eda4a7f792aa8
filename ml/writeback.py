"""Results back into the warehouse and the semantic model, so segments become ordinary dimensions.

The per-customer table is written in one warehouse transaction (ingest.store), with
its catalog entry, so the app's read-only engine sees the old table or the new, never
half. The model is then extended with that table, a join from the customers table
(or the transaction table) and the dimensions rfm_segment, cluster, lifecycle_stage
and churn_risk, and saved as the workspace's own copy of the model. The bundled demo
model is never edited: it must keep working in a warehouse where segmentation has
not run yet, and the compiler refuses a model naming a table the warehouse lacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlglot import exp

from ingest.catalog import CatalogEntry, ColumnInfo, record
from ingest.source import table_ref
from ingest.store import write_transaction
from ml.lifecycle import STAGE_NAMES
from ml.rfm import SEGMENTS
from semantic.model import SemanticModel, model_to_dict, parse_model, save_model
from workspace import clock

SEGMENTS_TABLE = "customer_segments"
RISKS = {"high": ("High", "高", ["高风险"]), "medium": ("Medium", "中", ["中风险"]), "low": ("Low", "低", ["低风险"])}


def write_table(warehouse: Path, frame: pl.DataFrame, table: str, origin: str,
                options: dict[str, Any] | None = None) -> str:
    """Replace `table` with the frame, and its catalog entry, in one transaction."""
    arrow = frame.to_arrow()
    with write_transaction(warehouse) as con:
        con.register("_beacon_frame", arrow)
        create = exp.Create(this=table_ref(table), kind="TABLE", replace=True,
                            expression=exp.select("*").from_("_beacon_frame"))
        con.execute(create.sql("duckdb"))
        con.unregister("_beacon_frame")
        described = con.execute(exp.Describe(this=table_ref(table)).sql("duckdb")).fetchall()
        columns = tuple(ColumnInfo(row[0], row[0], str(row[1])) for row in described)
        record(con, CatalogEntry(table, "segments", origin, clock.naive_now(),
                                 frame.height, columns, (), options or {}))
    return table


def _values(names: dict[str, tuple[str, str]], synonyms: dict[str, list[str]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code, (en, zh) in names.items():
        entry: dict[str, Any] = {"label": {"en": en, "zh": zh}}
        if synonyms and synonyms.get(code):
            entry["synonyms"] = {"zh": synonyms[code]}
        out[code] = entry
    return out


def segment_parts(table: str, key: str) -> dict[str, Any]:
    """The table, dimensions, measure and metric the segments add to a model (plain YAML data)."""
    segments = {s.code: (s.en, s.zh) for s in SEGMENTS}
    risks = {code: (en, zh) for code, (en, zh, _) in RISKS.items()}
    return {
        "table": {"label": {"en": "Customer segments", "zh": "客户分群"}, "primary_key": key},
        "dimensions": {
            "rfm_segment": {"label": {"en": "RFM segment", "zh": "RFM 分群"}, "table": table,
                            "synonyms": {"en": ["segment", "customer segment"], "zh": ["客户分层", "RFM分层", "分群"]},
                            "values": _values(segments)},
            "cluster": {"label": {"en": "Cluster", "zh": "聚类"}, "table": table, "expr": "cluster_name",
                        "synonyms": {"en": ["customer cluster"], "zh": ["客户聚类", "聚类分群"]}},
            "lifecycle_stage": {"label": {"en": "Lifecycle stage", "zh": "生命周期阶段"}, "table": table,
                                "synonyms": {"en": ["lifecycle"], "zh": ["生命周期"]},
                                "values": _values({k: v for k, v in STAGE_NAMES.items()})},
            "churn_risk": {"label": {"en": "Churn risk", "zh": "流失风险"}, "table": table,
                           "synonyms": {"en": ["risk of churn", "churn risk band"], "zh": ["流失风险等级"]},
                           "values": _values(risks, {c: s for c, (_, _, s) in RISKS.items()})},
        },
        "measure": {"table": table, "agg": "count_distinct", "expr": key},
        "metric": {"label": {"en": "Segmented customers", "zh": "分群客户数"}, "measure": "segment_customer_count",
                   "synonyms": {"en": ["number of customers", "customer count"], "zh": ["客户数", "客户数量"]},
                   "format": "integer"},
    }


def join_source(model: SemanticModel, fact: str, key: str) -> str | None:
    """The model table to join the segments from: one keyed by the customer column, else the mapped table."""
    keyed = [n for n, t in model.tables.items() if t.primary_key == key and n != SEGMENTS_TABLE]
    facts = [n for n, t in model.tables.items() if t.sql_table == fact]
    return (keyed or facts or [None])[0]


def extend_model(model: SemanticModel, fact: str, key: str, table: str = SEGMENTS_TABLE) -> SemanticModel | None:
    """The model with the segments table joined in; None when the model does not contain the mapped table."""
    source = join_source(model, fact, key)
    if source is None:
        return None
    data = model_to_dict(model)
    parts = segment_parts(table, key)
    data["tables"][table] = parts["table"]
    joins = [j for j in data.get("joins", []) if j["to"] != table]
    data["joins"] = [*joins, {"from": source, "to": table, "on": key}]
    data.setdefault("dimensions", {}).update(parts["dimensions"])
    data.setdefault("measures", {})["segment_customer_count"] = parts["measure"]
    data["metrics"]["segmented_customers"] = parts["metric"]
    return parse_model(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), f"{model.name}.yaml")


def save_extended(model: SemanticModel, models_dir: Path, fact: str, key: str) -> Path | None:
    """Save the extended model as the workspace's own copy (models/<name>.yaml); None when it does not apply."""
    extended = extend_model(model, fact, key)
    if extended is None:
        return None
    path = models_dir / f"{model.name}.yaml"
    models_dir.mkdir(parents=True, exist_ok=True)
    save_model(extended, path)
    return path
