"""`beacon`: the command line, for people, scripts and schedulers.

Every command reads through the same semantic layer as the app:

    beacon demo [--out PATH] [--seed N]
    beacon query --metric revenue --by channel --grain month --where "region = 'East'" --json
    beacon sql "SELECT channel, COUNT(*) FROM orders GROUP BY 1" --json
    beacon model show [--lang zh]
    beacon ingest PATH [--table NAME] [--sheet S] | beacon ingest postgresql://... --source-table T
    beacon refresh [TABLE ...]
    beacon unify --key crm.phone=phone --key shop.mobile=phone --row-key crm=id --row-key shop=order_id

Errors a user can cause print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from commands import register_all
from commands.common import (
    EXIT_USER_ERROR,
    acting_user,
    add_common,
    audit_load,
    audit_refusal,
    audit_result,
    open_model,
    pair,
    print_result,
)
from errors import BeaconError, PermissionDeniedError, UnknownNameError
from semantic.answer import run_query, run_sql
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel, load_model
from semantic.query import COMPARISONS, GRAINS, SemanticQuery, TimeRange, parse_date, parse_order, parse_where
from workspace.home import DEMO_MODEL, Workspace


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BeaconError as err:
        if isinstance(err, PermissionDeniedError):
            audit_refusal(args, str(err))
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="beacon", description="Beacon: self-service marketing BI.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="build the demo marketing warehouse")
    demo.add_argument("--out", type=Path, help="where to write the DuckDB file (default: the workspace's)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
    demo.add_argument("--scale", type=float, default=1.0, help="multiply customers and orders (default 1)")
    demo.set_defaults(handler=_demo)
    _query_parser(commands.add_parser("query", help="answer through the semantic layer"))
    sql = commands.add_parser("sql", help="run one guarded read-only SELECT")
    sql.add_argument("statement", help="the SELECT statement")
    add_common(sql)
    sql.set_defaults(handler=_sql)
    _ingest_parsers(commands)
    model = commands.add_parser("model", help="inspect the semantic model")
    model_commands = model.add_subparsers(dest="action", required=True)
    show = model_commands.add_parser("show", help="print metrics and dimensions with their definitions")
    show.add_argument("--lang", choices=("en", "zh"), default="en")
    add_common(show)
    show.set_defaults(handler=_model_show)
    register_all(commands)
    return parser


def _ingest_parsers(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser("ingest", help="load a file or a database table into the warehouse")
    ingest.add_argument("source", help="a file (CSV, Excel, Parquet, JSON, .gz) or a database URI")
    ingest.add_argument("--table", help="the warehouse table's name (default: from the file name)")
    ingest.add_argument("--sheet", action="append", default=[], help="an Excel sheet to load (repeatable)")
    ingest.add_argument("--source-table", action="append", default=[], help="a table of the database URI")
    ingest.add_argument("--connection", default="warehouse_db", help="name to keep a database URI under")
    add_common(ingest)
    ingest.set_defaults(handler=_ingest)
    unify = commands.add_parser("unify", help="one person, one id across tables keyed by phone, email, card...")
    unify.add_argument("--key", action="append", required=True, metavar="TABLE.COLUMN=KIND",
                       help="a key column and its kind (phone, email, member_card, wechat, customer_id)")
    unify.add_argument("--row-key", action="append", default=[], metavar="TABLE=COLUMN",
                       help="the column that identifies a row of TABLE")
    unify.add_argument("--out", default="customer_identity", help="the result table")
    add_common(unify)
    unify.set_defaults(handler=_unify)
    refresh = commands.add_parser("refresh", help="reload tables from their origin and replay their cleaning")
    refresh.add_argument("tables", nargs="*", help="tables to refresh (default: every refreshable table)")
    add_common(refresh)
    refresh.set_defaults(handler=_refresh)


def _query_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metric", action="append", default=[], help="a metric id (repeatable)")
    parser.add_argument("--by", action="append", default=[], help="a dimension id (repeatable)")
    parser.add_argument("--grain", choices=GRAINS, help="split by time")
    parser.add_argument("--where", action="append", default=[], help="a filter, e.g. \"region = 'East'\"")
    parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
    parser.add_argument("--compare", choices=COMPARISONS, help="add the change against another period")
    parser.add_argument("--order", action="append", default=[], help="sort by a column, e.g. \"revenue desc\"")
    parser.add_argument("--limit", type=int, help="at most this many rows")
    add_common(parser)
    parser.set_defaults(handler=_query)


def _demo(args: argparse.Namespace) -> int:
    from ingest.demo import build_demo

    ws = Workspace.from_env()
    out = args.out or ws.warehouse
    counts = build_demo(out, seed=args.seed, scale=args.scale)
    if args.out is None:
        ws.models.mkdir(parents=True, exist_ok=True)
        (ws.models / "demo.yaml").write_text(DEMO_MODEL.read_text(encoding="utf-8"), encoding="utf-8")
        from workspace.demo_dashboards import ensure_demo_dashboards

        ensure_demo_dashboards(ws)
    print(f"Demo warehouse written to {out}")
    for table, rows in counts.items():
        print(f"  {table:<16} {rows:>9,} rows")
    if args.out is None:
        _open_demo(ws)
    return 0


def _open_demo(ws: Workspace) -> None:
    """A demo workspace opens without a password (open demo mode) unless its settings already say otherwise."""
    from workspace.settings import Settings

    settings = Settings(ws.home)
    chosen = settings.path.exists() and "open_demo" in json.loads(settings.path.read_text(encoding="utf-8"))
    if not chosen:
        settings.set("open_demo", True)
    if settings.get("open_demo"):
        print(f"OPEN DEMO MODE is on for {ws.home}: the app signs everyone in as an admin without a password. "
              f"For a laptop demo only: on a server set \"open_demo\": false in {settings.path} "
              "and sign in as 'admin'.")


def _query(args: argparse.Namespace) -> int:
    window = None
    if args.start or args.end:
        if not (args.start and args.end):
            raise BeaconError("Give both --from and --to (YYYY-MM-DD).")
        window = TimeRange(parse_date(args.start), parse_date(args.end))
    query = SemanticQuery(metrics=tuple(args.metric), dimensions=tuple(args.by),
                          filters=tuple(f for text in args.where for f in parse_where(text)),
                          time_grain=args.grain, time_range=window, compare=args.compare,
                          order_by=tuple(parse_order(o) for o in args.order),
                          limit=args.limit)
    user, policy = acting_user(args, "explore")
    model, engine = open_model(args)
    result = run_query(query, model, engine, policy)
    audit_result(args, user, "query", result)
    print_result(result, args.json)
    return 0


def _sql(args: argparse.Namespace) -> int:
    user, policy = acting_user(args, "run_sql")
    model, engine = open_model(args)
    result = run_sql(args.statement, model, engine, policy)
    audit_result(args, user, "sql", result)
    print_result(result, args.json)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from ingest.connectors import import_tables, save_and_list
    from ingest.load import load_file

    user, _ = acting_user(args, "load_data")
    ws = Workspace(args.db.parent)
    if "://" in args.source:
        save_and_list(ws, args.connection, args.source)
        if not args.source_table:
            raise BeaconError("Name the database tables to import with --source-table.")
        reports = import_tables(ws, args.connection, args.source_table)
    else:
        reports = load_file(args.db, Path(args.source), args.table, args.sheet or None)
    for report in reports:
        rejects = f", {report.rejects} values kept aside in {report.rejects_table}" if report.rejects else ""
        print(f"{report.table}: {report.rows:,} rows, {len(report.columns)} columns "
              f"from {report.source} in {report.seconds:.1f} s{rejects}")
        audit_load(args, user, report.table, str(report.source))
    return 0


def _unify(args: argparse.Namespace) -> int:
    from ingest.identity import KeyColumn, unify_customers

    user, _ = acting_user(args, "load_data")
    row_keys = dict(pair(text, "=", "--row-key TABLE=COLUMN") for text in args.row_key)
    keys = []
    for text in args.key:
        column, kind = pair(text, "=", "--key TABLE.COLUMN=KIND")
        table, name = pair(column, ".", "--key TABLE.COLUMN=KIND")
        keys.append(KeyColumn(table, name, kind, row_keys.get(table)))
    report = unify_customers(args.db, keys, args.out)
    audit_load(args, user, report.output, ", ".join(f"{k.table}.{k.column}" for k in keys))
    if args.json:
        print(json.dumps({"table": report.output, "records": report.records, "persons": report.persons,
                          "merged_records": report.merged_records}))
    else:
        print(f"{report.records:,} records became {report.persons:,} people in {report.output}; "
              f"{report.merged_records:,} records merged with another.")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from ingest.catalog import read_catalog
    from ingest.connectors import refresh_table

    user, _ = acting_user(args, "load_data")
    ws = Workspace(args.db.parent)
    entries = {e.table: e for e in read_catalog(DuckDBEngine(args.db)) if e.kind != "demo"}
    for name in args.tables:
        if name not in entries:
            raise UnknownNameError("table", name, entries)
    for name in args.tables or list(entries):
        report = refresh_table(ws, entries[name])
        audit_load(args, user, report.table, "refresh")
        print(f"{report.table}: {report.rows:,} rows")
    return 0


def _model_show(args: argparse.Namespace) -> int:
    acting_user(args, "explore")  # --user is checked (it exists, its role may read) rather than ignored
    model = load_model(args.model)
    lang = args.lang
    if args.json:
        print(json.dumps(_model_json(model, lang), ensure_ascii=False, indent=2))
        return 0
    print(f"{model.label(lang)} ({model.name})\n\nMetrics")
    for name, metric in model.metrics.items():
        definition = model.definition(name)
        print(f"  {name:<18} {metric.label(lang)} — {metric.description(lang)}\n"
              f"  {'':<18} = {definition}  [{metric.format}]")
    print("\nDimensions")
    for name, dim in model.dimensions.items():
        sources = ", ".join(f"{t}.{e}" if e == name else f"{t}: {e}" for t, e in dim.exprs.items())
        print(f"  {name:<18} {dim.label(lang)} — {sources}")
    return 0


def _model_json(model: SemanticModel, lang: str) -> dict[str, Any]:
    return {
        "name": model.name,
        "metrics": [{"id": n, "label": m.label(lang), "description": m.description(lang),
                     "definition": model.definition(n), "format": m.format,
                     "synonyms": list(m.synonyms.get(lang, ()))} for n, m in model.metrics.items()],
        "dimensions": [{"id": n, "label": d.label(lang), "tables": sorted(d.exprs),
                        "synonyms": list(d.synonyms.get(lang, ()))} for n, d in model.dimensions.items()],
    }


if __name__ == "__main__":
    sys.exit(main())
