"""What a chart is, saved with a tile: its kind and which result columns go where.

>>> spec = ChartSpec("bar", x="channel", y=("revenue",))
>>> ChartSpec.from_dict(spec.to_dict()) == spec
True
>>> resolve(ChartSpec("line"), SemanticQuery(metrics=("revenue",), dimensions=("channel",), time_grain="month"))
ChartSpec(kind='line', x='month', y=('revenue',), color='channel', title=None)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from errors import InputError
from semantic.query import SemanticQuery
from viz.i18n import keyed_error
from viz.labels import key_columns

CHART_KINDS = ("kpi", "line", "area", "bar", "bar_stacked", "bar_grouped", "bar_horizontal", "pie", "donut",
               "scatter", "heatmap", "funnel", "map", "radar", "table", "pivot")


@dataclass(frozen=True)
class ChartSpec:
    """Which chart, and which columns of the result are its x, its values (y) and its series (color)."""

    kind: str
    x: str | None = None
    y: tuple[str, ...] = ()
    color: str | None = None
    title: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "y", tuple(self.y))
        if self.kind not in CHART_KINDS:
            raise keyed_error(InputError, "errors.chart.kind", kind=self.kind, choices=", ".join(CHART_KINDS))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        out.update({k: getattr(self, k) for k in ("x", "color", "title") if getattr(self, k)})
        if self.y:
            out["y"] = list(self.y)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartSpec:
        if not isinstance(data, dict) or "kind" not in data:
            raise keyed_error(InputError, "errors.chart.shape")
        unknown = set(data) - {"kind", "x", "y", "color", "title"}
        if unknown:
            raise keyed_error(InputError, "errors.chart.unknown_part", parts=", ".join(sorted(unknown)))
        return cls(kind=data["kind"], x=data.get("x"), y=tuple(data.get("y") or ()), color=data.get("color"),
                   title=data.get("title"))


def resolve(spec: ChartSpec, query: SemanticQuery) -> ChartSpec:
    """Fill what the spec leaves open from the query: x = first key, y = the metrics, color = second key."""
    keys = key_columns(query)
    x = spec.x if spec.x else (keys[0] if keys else None)
    rest = [k for k in keys if k != x]
    color = spec.color if spec.color else (rest[0] if rest and spec.kind not in ("pie", "donut", "funnel") else None)
    return replace(spec, x=x, y=spec.y or query.metrics, color=color)
