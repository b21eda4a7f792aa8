"""Edits a user makes to a proposed model in the app: names, Chinese names, synonyms, aggregation, format.

Edits are applied to the model's plain-data form and the result is validated
like any model file, so the app can never save a model that would not load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from errors import ModelError
from semantic.model import AGGREGATIONS, FORMATS, SemanticModel, model_to_dict, parse_model
from viz.i18n import keyed_error


@dataclass(frozen=True)
class FieldEdit:
    """One metric's or dimension's row in the editor; `aggregation` only for metrics over one measure."""

    id: str
    keep: bool
    label_en: str
    label_zh: str
    synonyms: str  # comma-separated, either language
    format: str | None = None
    aggregation: str | None = None


def apply_edits(model: SemanticModel, metrics: list[FieldEdit], dimensions: list[FieldEdit],
                name: str | None = None) -> SemanticModel:
    """The model with the edits applied, validated; a dropped field that others need is refused in words."""
    data = model_to_dict(model)
    if name:
        data["name"] = name
    for edit in dimensions:
        _edit(data.setdefault("dimensions", {}), edit)
    for edit in metrics:
        if edit.keep and edit.aggregation and data["metrics"].get(edit.id, {}).get("measure"):
            _set_aggregation(data, data["metrics"][edit.id]["measure"], edit.aggregation)
        _edit(data["metrics"], edit)
    if not data["metrics"]:
        raise keyed_error(ModelError, "errors.model.keep_a_metric")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return parse_model(text, f"{data['name']}.yaml")


def _edit(section: dict[str, Any], edit: FieldEdit) -> None:
    if edit.id not in section:
        return
    if not edit.keep:
        del section[edit.id]
        return
    entry = section[edit.id]
    entry["label"] = {k: v.strip() for k, v in (("en", edit.label_en), ("zh", edit.label_zh)) if v.strip()}
    words = [w.strip() for w in edit.synonyms.replace(",", ",").split(",") if w.strip()]
    zh = [w for w in words if any("\u3400" <= ch <= "\u9fff" for ch in w)]
    entry["synonyms"] = {k: v for k, v in (("en", [w for w in words if w not in zh]), ("zh", zh)) if v}
    if edit.format:
        if edit.format not in FORMATS:
            raise keyed_error(ModelError, "errors.model.metric_format", metric=edit.id, format=edit.format,
                              choices=", ".join(FORMATS))
        entry["format"] = edit.format


def _set_aggregation(data: dict[str, Any], measure: str, aggregation: str) -> None:
    if aggregation not in AGGREGATIONS:
        raise keyed_error(ModelError, "errors.model.measure_agg", measure=measure, aggregation=aggregation,
                          choices=", ".join(AGGREGATIONS))
    data["measures"][measure]["agg"] = aggregation
