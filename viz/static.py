"""A Plotly figure as a PNG, drawn by matplotlib: no browser, no internet, Chinese text included.

Exports (PDF, a tile's PNG) and scheduled reports run where there is no
browser to let Plotly draw, so this module redraws the figures Beacon builds
(`viz.charts`) with matplotlib: lines and areas, bars (stacked, grouped,
horizontal), pies and donuts, heatmaps, funnels, the offline bubble map, radar
charts, tables and KPI cards. Tick labels, texts and titles are taken from the
figure, so the image reads exactly as the interactive chart does. Chinese
glyphs come from Noto Sans CJK when the system has it, else the default font.
"""

from __future__ import annotations

import html
import io
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import plotly.graph_objects as go
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PALETTE = ("#2563eb", "#94a3b8", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777")
_TAGS = re.compile(r"<[^>]+>")


@cache
def font_family() -> list[str]:
    """The font list for every drawing: the CJK font first when present (it has Latin glyphs too)."""
    if CJK_FONT.exists():
        font_manager.fontManager.addfont(str(CJK_FONT))
        name = font_manager.FontProperties(fname=str(CJK_FONT)).get_name()
        return [name, "DejaVu Sans"]
    return ["DejaVu Sans"]


def plain(text: object) -> str:
    """Plotly's label markup (<b>, <br>, &lt;) as plain text."""
    return html.unescape(_TAGS.sub(" ", str(text or "").replace("<br>", "\n"))).strip()


def figure_png(figure: go.Figure, width: int = 900, height: int = 480, dpi: int = 110) -> bytes:
    """The figure drawn as a PNG of about `width` × `height` pixels."""
    with matplotlib.rc_context({"font.family": font_family(), "axes.unicode_minus": False,
                                "axes.spines.top": False, "axes.spines.right": False}):
        canvas = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        _draw(canvas, figure)
        buffer = io.BytesIO()
        canvas.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _draw(canvas: Figure, figure: go.Figure) -> None:
    title = plain(figure.layout.title.text) if figure.layout.title and figure.layout.title.text else ""
    if title:
        canvas.suptitle(title, x=0.02, ha="left", fontsize=13)
    traces = list(figure.data)
    kinds = {trace.type for trace in traces}
    if "table" in kinds:
        _table(canvas, traces[0])
    elif "pie" in kinds:
        _pie(canvas.add_subplot(), traces[0])
    elif "scatterpolar" in kinds:
        _radar(canvas.add_subplot(projection="polar"), traces)
    elif "heatmap" in kinds:
        _heatmap(canvas.add_subplot(), traces[0])
    elif "funnel" in kinds:
        _funnel(canvas.add_subplot(), traces[0])
    elif not traces or _is_kpi(figure):
        _kpi(canvas, figure)
    else:
        _cartesian(canvas.add_subplot(), figure)
    if not _is_kpi(figure):
        canvas.tight_layout(rect=(0, 0.06 if canvas.legends else 0, 1, 0.94 if title else 1))


def _is_kpi(figure: go.Figure) -> bool:
    return bool(figure.layout.annotations) and figure.layout.xaxis.visible is False \
        and figure.layout.yaxis.domain is not None


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _ticks(axis: Any) -> dict[Any, str]:
    """Tick value → text, as the figure's axis writes it."""
    if axis is None or axis.tickvals is None or axis.ticktext is None:
        return {}
    return {_key(v): plain(t) for v, t in zip(axis.tickvals, axis.ticktext, strict=False)}


def _key(value: Any) -> Any:
    return str(value)[:10] if hasattr(value, "isoformat") else value


def _categories(traces: list[Any], attr: str) -> list[Any]:
    seen: dict[Any, None] = {}
    for trace in traces:
        for value in getattr(trace, attr) or ():
            seen.setdefault(value, None)
    return list(seen)


def _cartesian(ax: Axes, figure: go.Figure) -> None:
    """Lines, areas, markers (the bubble map too) and bars, on one or two value axes."""
    traces = [t for t in figure.data if t.type in ("scatter", "bar")]
    layout = figure.layout
    horizontal = any(getattr(t, "orientation", None) == "h" for t in traces if t.type == "bar")
    category_attr = "y" if horizontal else "x"
    category_axis = layout.yaxis if horizontal else layout.xaxis
    categorical = any(t.type == "bar" for t in traces) or category_axis.type == "category"
    cats = _categories(traces, category_attr) if categorical else []
    position = {c: i for i, c in enumerate(cats)}
    right = ax.twinx() if any(getattr(t, "yaxis", None) == "y2" for t in traces) else None
    bars = [t for t in traces if t.type == "bar"]
    stacked = layout.barmode == "stack"
    offsets: dict[Any, float] = {}
    for index, trace in enumerate(traces):
        target = right if right is not None and trace.yaxis == "y2" else ax
        if trace.type == "bar":
            _bar(target, trace, bars.index(trace), len(bars), position, horizontal, stacked, offsets, index)
        else:
            _line(target, trace, position if categorical else None, index, offsets)
    _style_axes(ax, figure, horizontal, cats, right)


def _bar(ax: Axes, trace: Any, slot: int, count: int, position: dict[Any, int], horizontal: bool, stacked: bool,
         offsets: dict[Any, float], index: int) -> None:
    cats = list(trace.y if horizontal else trace.x)
    values = [v or 0 for v in (trace.x if horizontal else trace.y)]
    width = 0.8 if stacked else 0.8 / max(count, 1)
    shift = 0 if stacked else (slot - (count - 1) / 2) * width
    places = [position[c] + shift for c in cats]
    base = [offsets.get(c, 0.0) if stacked else 0.0 for c in cats]
    if horizontal:
        ax.barh(places, values, height=width, left=base, color=_color(index), label=plain(trace.name))
    else:
        ax.bar(places, values, width=width, bottom=base, color=_color(index), label=plain(trace.name))
    if stacked:
        for c, v in zip(cats, values, strict=True):
            offsets[c] = offsets.get(c, 0.0) + v


def _line(ax: Axes, trace: Any, position: dict[Any, int] | None, index: int, stack: dict[Any, float]) -> None:
    xs = [position[x] for x in trace.x] if position is not None else list(trace.x)
    ys = list(trace.y)
    mode = trace.mode or "lines"
    marker = trace.marker
    if isinstance(marker.size, tuple | list):  # the bubble map: sizes per point
        ax.scatter(xs, ys, s=[s * s * 0.8 for s in marker.size], color=marker.color or _color(index),
                   alpha=marker.opacity or 0.7, edgecolors="white")
        for x, y, text in zip(xs, ys, trace.text or (), strict=False):
            ax.annotate(plain(text), (x, y), ha="center", va="bottom", fontsize=7, xytext=(0, 4),
                        textcoords="offset points")
        return
    color = marker.color if isinstance(marker.color, str) else (trace.line.color or _color(index))
    if "lines" in mode:
        base = [stack.get(_key(x), 0.0) for x in xs] if trace.stackgroup else [0.0] * len(xs)
        tops = [b + (y or 0) for b, y in zip(base, ys, strict=True)] if trace.stackgroup else ys
        ax.plot(xs, tops, color=color, label=plain(trace.name), linewidth=2)
        if trace.fill or trace.stackgroup:
            ax.fill_between(xs, base, [y or 0 for y in tops], alpha=0.25, color=color)
        if trace.stackgroup:
            stack.update({_key(x): top for x, top in zip(xs, tops, strict=True)})
    else:
        ax.scatter(xs, ys, color=color, s=(marker.size or 8) ** 2 / 2, label=plain(trace.name), alpha=0.8)


def _style_axes(ax: Axes, figure: go.Figure, horizontal: bool, cats: list[Any], right: Axes | None) -> None:
    layout = figure.layout
    value_axis, category_axis = (layout.xaxis, layout.yaxis) if horizontal else (layout.yaxis, layout.xaxis)
    names = _ticks(category_axis)
    labels = [names.get(_key(c), plain(c)) for c in cats] if cats else list(names.values())
    if cats:
        (ax.set_yticks if horizontal else ax.set_xticks)(range(len(cats)), labels)
        if horizontal:
            ax.invert_yaxis()
    elif names:
        ax.set_xticks(list(category_axis.tickvals), labels)
    if not horizontal and sum(len(label) for label in labels) > 50:
        ax.tick_params(axis="x", labelrotation=35)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    _value_ticks(ax, value_axis, "x" if horizontal else "y")
    ax.set_axisbelow(True)
    handles, names = ax.get_legend_handles_labels()
    if right is not None:
        _value_ticks(right, layout.yaxis2, "y")
        if layout.yaxis2.title and layout.yaxis2.title.text:
            right.set_ylabel(plain(layout.yaxis2.title.text))
        more, more_names = right.get_legend_handles_labels()
        handles, names = handles + more, names + more_names
    for axis, which in ((layout.xaxis, ax.set_xlabel), (layout.yaxis, ax.set_ylabel)):
        if axis.title and axis.title.text:
            which(plain(axis.title.text))
    if layout.xaxis.visible is False:
        ax.set_axis_off()
    elif layout.xaxis.showticklabels is False and layout.yaxis.showticklabels is False:  # the map: caption only
        ax.set_xticks([]), ax.set_yticks([])
        ax.spines[["left", "bottom"]].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", color="#eef2f7")
    if len(handles) > 1 and layout.xaxis.visible is not False:
        ax.figure.legend(handles, names, fontsize=8, frameon=False, loc="lower center", ncols=min(len(names), 8))


def _value_ticks(ax: Axes, axis: Any, which: str) -> None:
    ticks = _ticks(axis)
    if ticks:
        (ax.set_yticks if which == "y" else ax.set_xticks)(list(axis.tickvals), list(ticks.values()))


def _pie(ax: Axes, trace: Any) -> None:
    labels = [plain(v) for v in trace.labels]
    wedge = {"width": 1 - trace.hole, "edgecolor": "white"} if trace.hole else {"edgecolor": "white"}
    ax.pie(list(trace.values), labels=labels, autopct="%1.1f%%", startangle=90, counterclock=False,
           colors=[_color(i) for i in range(len(labels))], wedgeprops=wedge, textprops={"fontsize": 8})
    ax.axis("equal")


def _heatmap(ax: Axes, trace: Any) -> None:
    z = [[v if v is not None else float("nan") for v in row] for row in trace.z]
    ax.imshow(z, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(trace.x)), [plain(v) for v in trace.x], rotation=30, ha="right")
    ax.set_yticks(range(len(trace.y)), [plain(v) for v in trace.y])
    top = max((v for row in z for v in row if v == v), default=1)
    for i, row in enumerate(trace.text or ()):
        for j, text in enumerate(row):
            light = z[i][j] == z[i][j] and z[i][j] > 0.6 * top
            ax.text(j, i, plain(text), ha="center", va="center", fontsize=7, color="white" if light else "#0f172a")


def _funnel(ax: Axes, trace: Any) -> None:
    values = [v or 0 for v in trace.x]
    stages = [plain(s) for s in trace.y]
    top = max(values, default=1) or 1
    ax.barh(range(len(values)), values, left=[(top - v) / 2 for v in values], color=_color(0))
    for i, (v, text) in enumerate(zip(values, trace.text or [""] * len(values), strict=True)):
        ax.text(top / 2, i, f"{plain(text)}  ({v / (values[0] or 1):.0%})", ha="center", va="center",
                color="white", fontsize=9)
    ax.set_yticks(range(len(stages)), stages)
    ax.invert_yaxis()
    ax.set_xticks([])


def _radar(ax: Axes, traces: list[Any]) -> None:
    for index, trace in enumerate(traces):
        count = len(trace.theta)
        angles = [2 * math.pi * i / max(count - 1, 1) for i in range(count)]
        values = [v or 0 for v in trace.r]
        ax.plot(angles, values, color=_color(index), label=plain(trace.name))
        ax.fill(angles, values, color=_color(index), alpha=0.15)
        ax.set_xticks(angles[:-1], [plain(v) for v in trace.theta[:-1]], fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="lower right")


def _table(canvas: Figure, trace: Any) -> None:
    ax = canvas.add_subplot()
    ax.set_axis_off()
    header = [plain(v) for v in trace.header.values]
    columns = [list(c) for c in trace.cells.values]
    rows = [[plain(c[i]) for c in columns] for i in range(len(columns[0]) if columns else 0)][:25]
    table = ax.table(cellText=rows or [[""] * len(header)], colLabels=header, loc="upper center", cellLoc="right")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#e2e8f0")
        if row == 0:
            cell.set_facecolor("#e2e8f0")


def _kpi(canvas: Figure, figure: go.Figure) -> None:
    """The KPI card: its annotations as text, its sparkline under them."""
    for note in figure.layout.annotations:
        color = note.font.color if note.font and note.font.color else "#0f172a"
        size = (note.font.size if note.font and note.font.size else 12) * 0.9
        canvas.text(0.5, 0.15 + 0.75 * min(note.y, 1.0), plain(note.text), ha="center", va="center",
                    fontsize=size, color=color, fontweight="bold" if "<b>" in str(note.text) else "normal")
    lines = [t for t in figure.data if t.type == "scatter"]
    if lines:
        ax = canvas.add_axes((0.08, 0.04, 0.84, 0.28))
        ax.fill_between(list(lines[0].x), [v or 0 for v in lines[0].y], color=_color(0), alpha=0.2)
        ax.plot(list(lines[0].x), list(lines[0].y), color=_color(0))
        ax.set_axis_off()
