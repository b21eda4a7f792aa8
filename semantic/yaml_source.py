"""YAML read with the line of every value kept, so errors can point into the file.

>>> src = read_source("a:\\n  b: 1\\n", "m.yaml")
>>> src.data["a"]["b"], src.where(("a", "b"))
(1, 'm.yaml, line 2, a.b')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from errors import BeaconError, ModelError
from viz.i18n import keyed_error

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """Plain Python data from a YAML file plus the line where each path starts."""

    data: Any
    lines: dict[Path_, int]
    filename: str

    def line(self, path: Path_) -> int:
        """The line of the deepest part of `path` whose line is known."""
        probe = tuple(path)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return self.lines.get(probe, 1)

    def where(self, path: Path_) -> str:
        """'file, line N, a.b.c' for the deepest part of `path` whose line is known."""
        dotted = ".".join(str(p) for p in path)
        return f"{self.filename}, line {self.line(path)}" + (f", {dotted}" if dotted else "")

    def error(self, path: Path_, problem: BeaconError) -> ModelError:
        """'file, line N, a.b: problem', with the problem (a keyed error) in the reader's language too."""
        dotted = ".".join(str(p) for p in path)
        return keyed_error(ModelError, "errors.model.at_field" if dotted else "errors.model.at", file=self.filename,
                           line=self.line(path), field=dotted, problem=problem)


def read_source(text: str, filename: str) -> Source:
    """Parse YAML text; syntax errors become ModelError with the line and column."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        place = {"line": mark.line + 1, "column": mark.column + 1} if mark else {}
        raise keyed_error(ModelError, "errors.model.yaml_at" if mark else "errors.model.yaml", file=filename,
                          reason=problem, **place) from err
    lines: dict[Path_, int] = {}
    data = _to_python(node, (), lines) if node is not None else {}
    return Source(data, lines, filename)


def _to_python(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)  # raw text: YAML 1.1 would read 'on' as True
            out[key] = _to_python(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Resolve a scalar the way SafeLoader would (ints, floats, bools, null, str)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
