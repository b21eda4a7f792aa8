"""The governed semantic model: tables, joins, dimensions, measures and metrics.

A model is written once in YAML and every chart, answer and report is compiled
from it, so "revenue" means the same thing everywhere. Loading validates the
file and reports problems with the file, line and field, e.g.
``demo.yaml, line 40, metrics.aov.expr: unknown name 'revnue'. Did you mean 'revenue'?``

>>> from pathlib import Path
>>> model = load_model(Path("assets/demo_model.yaml"))
>>> model.metrics["revenue"].label("zh")
'销售额'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from errors import ModelError, UnknownNameError, suggest
from semantic.query import GRAINS
from semantic.yaml_source import Path_, Source, read_source
from viz.i18n import keyed_error
from workspace.files import atomic_write

AGGREGATIONS = ("sum", "count", "count_distinct", "avg", "min", "max")
ADDITIVE = frozenset({"sum", "count", "count_distinct"})
FORMATS = ("currency", "integer", "number", "percent", "ratio")
DIMENSION_TYPES = ("string", "number", "date", "boolean")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Described:
    """Names and help text in each UI language; shared by every named part of a model."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.name

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en", "")


@dataclass(frozen=True)
class Table(Described):
    """A physical table; `time` is the column that places its rows in time."""

    sql_table: str = ""
    primary_key: str | None = None
    time: str | None = None


@dataclass(frozen=True)
class Join:
    """A many-to-one join: each row of `left` matches at most one row of `right`."""

    left: str
    right: str
    on: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Dimension(Described):
    """A field to group and filter by; `exprs` maps each table it lives on to its SQL."""

    exprs: dict[str, str] = field(default_factory=dict)
    type: str = "string"
    values: dict[str, Described] = field(default_factory=dict)  # a value's labels and synonyms: Tmall → 天猫

    def value_label(self, value: object, lang: str = "en") -> str:
        """A data value as a reader of `lang` calls it: 'Tmall' → '天猫'; values without labels as they are."""
        named = self.values.get(str(value))
        return named.label(lang) if named is not None else str(value)


@dataclass(frozen=True)
class Measure(Described):
    """An aggregation over one table's rows, optionally over a filtered subset."""

    table: str = ""
    agg: str = "sum"
    expr: str = "*"
    filter: str | None = None

    @property
    def additive(self) -> bool:
        return self.agg in ADDITIVE


@dataclass(frozen=True)
class Metric(Described):
    """What users see: either one measure or an expression over other metrics and measures."""

    measure: str | None = None
    expr: str | None = None
    format: str = "number"
    higher_is_better: bool = True


@dataclass(frozen=True)
class SemanticModel(Described):
    tables: dict[str, Table] = field(default_factory=dict)
    joins: tuple[Join, ...] = ()
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    currency: str = "CNY"
    connection: str | None = None  # a named live database; None means the DuckDB warehouse

    def referenced_names(self, metric: str) -> list[str]:
        """Metric and measure names a derived metric's expression uses, in order."""
        parsed = sqlglot.parse_one(self.metrics[metric].expr or "", read="duckdb")
        return list(dict.fromkeys(c.name for c in parsed.find_all(exp.Column, bfs=False)))

    def definition(self, metric: str) -> str:
        """A metric's formula as a reader would write it: SUM(orders.net_amount) WHERE ...

        >>> load_model(Path("assets/demo_model.yaml")).definition("orders")
        "COUNT(DISTINCT orders.order_id) WHERE status = 'completed'"
        """
        definition = self.metrics[metric]
        if definition.expr:
            return definition.expr
        measure = self.measures[definition.measure or ""]
        column = "*" if measure.expr.strip() == "*" else f"{measure.table}.{measure.expr}"
        call = f"COUNT(DISTINCT {column})" if measure.agg == "count_distinct" else f"{measure.agg.upper()}({column})"
        return f"{call} WHERE {measure.filter}" if measure.filter else call

    def measures_of(self, metric: str) -> list[Measure]:
        """The measures a metric is built from, following derived metrics down, in order."""
        if metric in self.measures:
            return [self.measures[metric]]
        definition = self.metrics[metric]
        refs = [definition.measure] if definition.measure else self.referenced_names(metric)
        found = [m for ref in refs for m in self.measures_of(ref)]
        return list({m.name: m for m in found}.values())


def load_model(path: Path) -> SemanticModel:
    """Read and validate a model file; raise ModelError naming file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise keyed_error(ModelError, "errors.model.unreadable", path=path, reason=err.strerror or str(err)) from err
    return parse_model(text, path.name)


def parse_model(text: str, filename: str = "<model>") -> SemanticModel:
    src = read_source(text, filename)
    raw = _mapping(src, (), src.data)
    _check_keys(src, (), raw, TOP_KEYS, required=("name", "tables", "metrics"))
    tables = {n: _table(src, ("tables", n), n, t) for n, t in _items(src, ("tables",), raw["tables"])}
    joins = tuple(_join(src, ("joins", i), j, tables) for i, j in enumerate(raw.get("joins") or []))
    dims = {n: _dimension(src, ("dimensions", n), n, d, tables)
            for n, d in _items(src, ("dimensions",), raw.get("dimensions") or {})}
    measures = {n: _measure(src, ("measures", n), n, m, tables)
                for n, m in _items(src, ("measures",), raw.get("measures") or {})}
    metrics = {n: _metric(src, ("metrics", n), n, m)
               for n, m in _items(src, ("metrics",), raw["metrics"])}
    model = SemanticModel(**_described(src, (), str(raw["name"]), raw), tables=tables, joins=joins,
                          dimensions=dims, measures=measures, metrics=metrics,
                          currency=str(raw.get("currency", "CNY")), connection=raw.get("connection"))
    _check_references(src, model)
    return model


TOP_KEYS = ("name", "label", "synonyms", "description", "currency", "connection", "tables", "joins",
            "dimensions", "measures", "metrics")
DESCRIBED_KEYS = ("label", "synonyms", "description")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _mapping(src: Source, path: Path_, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise src.error(path, keyed_error(ModelError, "errors.model.mapping", got=type(value).__name__))
    return value


def _items(src: Source, path: Path_, value: Any) -> list[tuple[str, Any]]:
    """The entries of a named section, each name checked to be a safe identifier."""
    for name in _mapping(src, path, value):
        if not NAME_RE.match(name):
            raise src.error((*path, name), keyed_error(ModelError, "errors.model.name"))
    return list(value.items())


def _check_keys(src: Source, path: Path_, raw: dict[str, Any], allowed: Iterable[str],
                required: Iterable[str] = ()) -> None:
    allowed = tuple(allowed)
    for key in raw:
        if key not in allowed:
            hint = suggest(key, allowed)
            raise src.error((*path, key), keyed_error(
                ModelError, "errors.model.unknown_field", name=key, allowed=", ".join(allowed),
                hint_key="errors.did_you_mean" if hint else "errors.model.allowed", suggestions_or=tuple(hint[:1])))
    for key in required:
        if raw.get(key) in (None, "", {}):
            raise src.error(path, keyed_error(ModelError, "errors.model.missing_field", name=key))


def _described(src: Source, path: Path_, name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Labels, synonyms and descriptions, each either a plain (English) value or per language."""
    labels = _per_language(src, (*path, "label"), raw.get("label"))
    descriptions = _per_language(src, (*path, "description"), raw.get("description"))
    synonyms_raw = raw.get("synonyms") or {}
    if isinstance(synonyms_raw, list):
        synonyms_raw = {"en": synonyms_raw}
    synonyms = {}
    for lang, words in _per_language(src, (*path, "synonyms"), synonyms_raw, list).items():
        synonyms[lang] = tuple(str(w) for w in words)
    return {"name": name, "labels": labels, "synonyms": synonyms, "descriptions": descriptions}


def _per_language(src: Source, path: Path_, value: Any, kind: type = str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        value = {"en": value}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise src.error((*path, lang), keyed_error(ModelError, "errors.model.language", lang=lang,
                                                       choices=", ".join(LANGUAGES)))
        if not isinstance(text, kind):
            raise src.error((*path, lang), keyed_error(
                ModelError, "errors.model.expected_list" if kind is list else "errors.model.expected_text"))
    return {lang: (text if kind is list else str(text)) for lang, text in value.items()}


def _sql(src: Source, path: Path_, value: Any) -> str:
    """An SQL expression that sqlglot can parse; the error says where in the file it is not."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise src.error(path, keyed_error(ModelError, "errors.model.expected_sql"))
    try:
        sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as err:
        detail = err.errors[0]["description"] if err.errors else str(err)
        raise src.error(path, keyed_error(ModelError, "errors.model.sql", text=repr(text), reason=detail)) from err
    return text


def _choice(src: Source, path: Path_, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        hint = suggest(str(value), options)
        raise src.error(path, keyed_error(ModelError, "errors.model.not_one_of", value=value,
                                          choices=", ".join(options), hint_key="errors.did_you_mean" if hint else "",
                                          suggestions_or=tuple(hint[:1])))
    return str(value)


def _known(src: Source, path: Path_, value: Any, names: Iterable[str], kind: str) -> str:
    names = list(names)
    if value not in names:
        raise src.error(path, UnknownNameError(kind, str(value), names))
    return str(value)


def _table(src: Source, path: Path_, name: str, raw: Any) -> Table:
    raw = _mapping(src, path, raw)
    _check_keys(src, path, raw, (*DESCRIBED_KEYS, "sql_table", "primary_key", "time"))
    return Table(**_described(src, path, name, raw), sql_table=str(raw.get("sql_table", name)),
                 primary_key=raw.get("primary_key"), time=raw.get("time"))


def _join(src: Source, path: Path_, raw: Any, tables: dict[str, Table]) -> Join:
    raw = _mapping(src, path, raw)
    _check_keys(src, path, raw, ("from", "to", "on"), required=("from", "to", "on"))
    left = _known(src, (*path, "from"), raw["from"], tables, "table")
    right = _known(src, (*path, "to"), raw["to"], tables, "table")
    on = raw["on"]
    pairs = [(on, on)] if isinstance(on, str) else list(_mapping(src, (*path, "on"), on).items())
    return Join(left, right, tuple((str(a), str(b)) for a, b in pairs))


def _dimension(src: Source, path: Path_, name: str, raw: Any, tables: dict[str, Table]) -> Dimension:
    raw = _mapping(src, path, raw)
    _check_keys(src, path, raw, (*DESCRIBED_KEYS, "table", "expr", "type", "values"))
    expr = raw.get("expr", name)
    if isinstance(expr, dict):
        exprs = {_known(src, (*path, "expr", t), t, tables, "table"): _sql(src, (*path, "expr", t), e)
                 for t, e in expr.items()}
    else:
        if "table" not in raw:
            raise src.error(path, keyed_error(ModelError, "errors.model.table_or_expr"))
        exprs = {_known(src, (*path, "table"), raw["table"], tables, "table"): _sql(src, (*path, "expr"), expr)}
    kind = _choice(src, (*path, "type"), raw.get("type", "string"), DIMENSION_TYPES)
    return Dimension(**_described(src, path, name, raw), exprs=exprs, type=kind,
                     values=_value_labels(src, (*path, "values"), raw.get("values")))


def _value_labels(src: Source, path: Path_, raw: Any) -> dict[str, Described]:
    """Labels and synonyms of a dimension's values (Tmall: {label: {zh: 天猫}}), so questions can name them."""
    if raw is None:
        return {}
    out = {}
    for value, entry in _mapping(src, path, raw).items():
        entry = _mapping(src, (*path, value), entry)
        _check_keys(src, (*path, value), entry, DESCRIBED_KEYS)
        out[str(value)] = Described(**_described(src, (*path, value), str(value), entry))
    return out


def _measure(src: Source, path: Path_, name: str, raw: Any, tables: dict[str, Table]) -> Measure:
    raw = _mapping(src, path, raw)
    _check_keys(src, path, raw, (*DESCRIBED_KEYS, "table", "agg", "expr", "filter"),
                required=("table", "agg"))
    agg = _choice(src, (*path, "agg"), raw["agg"], AGGREGATIONS)
    expr = _sql(src, (*path, "expr"), raw.get("expr", "*" if agg == "count" else None))
    condition = raw.get("filter")
    return Measure(**_described(src, path, name, raw),
                   table=_known(src, (*path, "table"), raw["table"], tables, "table"), agg=agg,
                   expr=expr, filter=_sql(src, (*path, "filter"), condition) if condition else None)


def _metric(src: Source, path: Path_, name: str, raw: Any) -> Metric:
    raw = _mapping(src, path, raw)
    _check_keys(src, path, raw, (*DESCRIBED_KEYS, "measure", "expr", "format", "higher_is_better"))
    if ("measure" in raw) == ("expr" in raw):
        raise src.error(path, keyed_error(ModelError, "errors.model.measure_or_expr"))
    expr = _sql(src, (*path, "expr"), raw["expr"]) if "expr" in raw else None
    return Metric(**_described(src, path, name, raw), measure=raw.get("measure"), expr=expr,
                  format=_choice(src, (*path, "format"), raw.get("format", "number"), FORMATS),
                  higher_is_better=bool(raw.get("higher_is_better", True)))


def _check_references(src: Source, model: SemanticModel) -> None:
    """Names used across sections exist, metric and measure names differ, and nothing is circular."""
    for name in model.metrics:
        if name in model.measures or name in model.dimensions:
            raise src.error(("metrics", name), keyed_error(ModelError, "errors.model.name_clash", name=name))
    for name in model.dimensions:
        if name in GRAINS:
            raise src.error(("dimensions", name), keyed_error(ModelError, "errors.model.reserved", name=name))
    for name, metric in model.metrics.items():
        if metric.measure:
            _known(src, ("metrics", name, "measure"), metric.measure, model.measures, "measure")
        else:
            for ref in model.referenced_names(name):
                _known(src, ("metrics", name, "expr"), ref, [*model.metrics, *model.measures],
                       "metric or measure")
    for name in model.metrics:
        _check_cycle(src, model, name, ())


def _check_cycle(src: Source, model: SemanticModel, name: str, trail: tuple[str, ...]) -> None:
    if name in trail:
        loop = " -> ".join((*trail, name))
        raise src.error(("metrics", trail[0], "expr"), keyed_error(ModelError, "errors.model.loop", loop=loop))
    metric = model.metrics.get(name)
    if metric is not None and metric.expr:
        for ref in model.referenced_names(name):
            _check_cycle(src, model, ref, (*trail, name))


def model_to_dict(model: SemanticModel) -> dict[str, Any]:
    """The model as plain YAML-ready data in the file's own layout, so `parse_model` reads back an equal model.

    Defaults are left out (sql_table equal to the name, string dimensions, count(*)) to keep
    saved files as short as hand-written ones.

    >>> model = load_model(Path("assets/demo_model.yaml"))
    >>> parse_model(yaml.safe_dump(model_to_dict(model), allow_unicode=True)) == model
    True
    """
    out: dict[str, Any] = {"name": model.name, **_described_dict(model), "currency": model.currency}
    if model.connection is not None:
        out["connection"] = model.connection
    out["tables"] = {n: _table_dict(t) for n, t in model.tables.items()}
    if model.joins:
        out["joins"] = [_join_dict(j) for j in model.joins]
    if model.dimensions:
        out["dimensions"] = {n: _dimension_dict(d) for n, d in model.dimensions.items()}
    if model.measures:
        out["measures"] = {n: _measure_dict(m) for n, m in model.measures.items()}
    out["metrics"] = {n: _metric_dict(m) for n, m in model.metrics.items()}
    return out


def save_model(model: SemanticModel, path: Path) -> None:
    """Write the model as YAML (Chinese kept readable) atomically: a failed save leaves the old file.

    The text is validated with `parse_model` before anything touches the disk, so a
    saved file always loads.
    """
    text = yaml.safe_dump(model_to_dict(model), allow_unicode=True, sort_keys=False, width=120,
                          default_flow_style=None)  # labels and lists on one line, as people write them
    parse_model(text, Path(path).name)
    path = Path(path)
    try:
        atomic_write(path, [text.encode("utf-8")], mode=0o644)
    except OSError as err:
        raise keyed_error(ModelError, "errors.model.unwritable", path=path, reason=err.strerror or str(err)) from err


def _described_dict(part: Described) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if part.labels:
        out["label"] = dict(part.labels)
    if part.synonyms:
        out["synonyms"] = {lang: list(words) for lang, words in part.synonyms.items()}
    if part.descriptions:
        out["description"] = dict(part.descriptions)
    return out


def _table_dict(table: Table) -> dict[str, Any]:
    out = _described_dict(table)
    if table.sql_table != table.name:
        out["sql_table"] = table.sql_table
    if table.primary_key is not None:
        out["primary_key"] = table.primary_key
    if table.time is not None:
        out["time"] = table.time
    return out


def _join_dict(join: Join) -> dict[str, Any]:
    same = len(join.on) == 1 and join.on[0][0] == join.on[0][1]
    return {"from": join.left, "to": join.right, "on": join.on[0][0] if same else dict(join.on)}


def _dimension_dict(dim: Dimension) -> dict[str, Any]:
    out = _described_dict(dim)
    if len(dim.exprs) == 1:
        table, expr = next(iter(dim.exprs.items()))
        out["table"] = table
        if expr != dim.name:
            out["expr"] = expr
    else:
        out["expr"] = dict(dim.exprs)
    if dim.type != "string":
        out["type"] = dim.type
    if dim.values:
        out["values"] = {value: _described_dict(labels) for value, labels in dim.values.items()}
    return out


def _measure_dict(measure: Measure) -> dict[str, Any]:
    out = {**_described_dict(measure), "table": measure.table, "agg": measure.agg}
    if not (measure.agg == "count" and measure.expr.strip() == "*"):
        out["expr"] = measure.expr
    if measure.filter:
        out["filter"] = measure.filter
    return out


def _metric_dict(metric: Metric) -> dict[str, Any]:
    out = _described_dict(metric)
    out.update({"measure": metric.measure} if metric.measure else {"expr": metric.expr})
    out["format"] = metric.format
    if not metric.higher_is_better:
        out["higher_is_better"] = False
    return out
