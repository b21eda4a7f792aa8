"""The query being read, part by part, with the readings taken (notes) and the others the words allow.

A `Draft` is mutable while a question is read and becomes a SemanticQuery at the end;
its alternatives are the same query with another reading of an ambiguous word.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from errors import BeaconError
from semantic.model import SemanticModel
from semantic.plan import make_plan
from semantic.query import Filter, OrderBy, Policy, SemanticQuery, TimeRange


@dataclass
class Draft:
    metrics: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    time_grain: str | None = None
    time_range: TimeRange | None = None
    compare: str | None = None
    order_by: list[OrderBy] = field(default_factory=list)
    limit: int | None = None
    which: str | None = None  # "one" ("which channel", 哪个) or "many" ("which campaigns", 哪些)
    notes: list[str] = field(default_factory=list)
    clarification: str | None = None
    options: dict[str, list[str]] = field(default_factory=dict)  # metric read → the other readings
    compare_options: list[str] = field(default_factory=list)      # other comparisons the words allow
    found_anything: bool = False

    def query(self) -> SemanticQuery:
        return SemanticQuery(metrics=tuple(self.metrics), dimensions=tuple(self.dimensions),
                             filters=tuple(self.filters), time_grain=self.time_grain, time_range=self.time_range,
                             order_by=tuple(self.order_by), limit=self.limit, compare=self.compare)

    def alternatives(self) -> list[SemanticQuery]:
        out = []
        for chosen, others in self.options.items():
            for other in others:
                swap = {chosen: other}
                metrics = list(dict.fromkeys(swap.get(m, m) for m in self.metrics))
                order = [OrderBy(swap.get(o.field, o.field), o.desc) for o in self.order_by]
                out.append(replace(self, metrics=metrics, order_by=order).query())
        out += [replace(self, compare=other).query() for other in self.compare_options]
        return out


def listed(labels: list[str], lang: str) -> str:
    """Labels joined as a list is written in the language: "Revenue, Orders" or 销售额、订单数."""
    return ("、" if lang == "zh" else ", ").join(labels)


def usable(model: SemanticModel, metrics: list[str], dimension: str) -> bool:
    """Whether the metrics can be broken down by `dimension` (the model joins their tables to it)."""
    if not metrics:
        return True
    try:
        make_plan(SemanticQuery(tuple(metrics), (dimension,)), model, Policy())  # the joins, without the SQL
    except BeaconError:
        return False
    return True
