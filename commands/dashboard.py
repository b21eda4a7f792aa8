"""`beacon dashboard`: list dashboards and render one without the app, for schedulers (cron) and e-mail.

    beacon dashboard list [--json]
    beacon dashboard export ID --format html|pdf|png [--filter DIM=VALUE ...] [--from D --to D]
                                [--tile N] [--out PATH] [--lang en|zh]

The export goes through the same semantic layer and rendering as the app, so
it shows the app's numbers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commands.common import acting_user, add_common, audit_result, open_model, pair
from errors import InputError, UnknownNameError
from semantic.model import SemanticModel
from semantic.query import Filter, TimeRange, parse_date
from workspace.home import Workspace


def register(commands: argparse._SubParsersAction) -> None:
    dashboard = commands.add_parser("dashboard", help="list dashboards or export one as HTML, PDF or PNG")
    actions = dashboard.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the workspace's dashboards (with --user: those that user may view)")
    listing.add_argument("--lang", choices=("en", "zh"), default="en")
    add_common(listing)
    listing.set_defaults(handler=_list)
    export = actions.add_parser("export", help="render a dashboard to a file")
    export.add_argument("id", help="the dashboard's id (see `beacon dashboard list`)")
    export.add_argument("--format", choices=("html", "pdf", "png"), default="html")
    export.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE",
                        help="narrow every tile that can take it (repeatable)")
    export.add_argument("--from", dest="start", help="first day of the period, YYYY-MM-DD")
    export.add_argument("--to", dest="end", help="last day of the period, YYYY-MM-DD")
    export.add_argument("--tile", type=int, help="for png: which tile, counting from 1 (default: the first chart)")
    export.add_argument("--out", type=Path, help="the file to write (default: the workspace's reports folder)")
    export.add_argument("--lang", choices=("en", "zh"), default="en")
    add_common(export)
    export.set_defaults(handler=_export)


def _list(args: argparse.Namespace) -> int:
    from workspace.dashboard_access import visible_to
    from workspace.dashboards import DashboardStore, localized

    ws = Workspace(args.db.parent)
    user, _ = acting_user(args, "view_dashboards")
    boards = visible_to(ws, user) if user else DashboardStore(ws).list()
    if args.json:
        print(json.dumps([{"id": b.id, "title": localized(b.title, args.lang), "owner": b.owner,
                           "version": b.version, "tiles": len(b.tiles)} for b in boards], ensure_ascii=False))
        return 0
    for board in boards:
        print(f"{board.id:<24} {localized(board.title, args.lang)}  ({len(board.tiles)} tiles, v{board.version})")
    if not boards:
        print("No dashboards yet. Build the demo with `beacon demo`, or create one in the app.")
    return 0


def cli_filters(texts: list[str], start: str | None, end: str | None, model: SemanticModel) -> tuple[Filter, ...]:
    """--filter DIM=VALUE and --from/--to as dashboard filters; numbers for number dimensions."""
    from viz.dashboard_filters import period_filter

    filters = []
    for text in texts:
        name, value = pair(text, "=", "--filter DIM=VALUE")
        if name not in model.dimensions:
            raise UnknownNameError("dimension", name, model.dimensions)
        filters.append(Filter(name, "=", _typed(value, model.dimensions[name].type)))
    if start or end:
        if not (start and end):
            raise InputError("Give both --from and --to (YYYY-MM-DD).")
        filters.append(period_filter(TimeRange(parse_date(start), parse_date(end))))
    return tuple(filters)


def _typed(value: str, kind: str) -> str | int | float:
    if kind != "number":
        return value
    try:
        number = float(value)
    except ValueError as err:
        raise InputError(f"'{value}' is not a number.") from err
    return int(number) if number.is_integer() else number


def _export(args: argparse.Namespace) -> int:
    from ml.governed import governed
    from viz.export import export_dashboard
    from workspace.audit import record
    from workspace.dashboard_access import viewable
    from workspace.dashboards import DashboardStore

    ws = Workspace(args.db.parent)
    user, policy = acting_user(args, "export")
    board = viewable(ws, user, args.id) if user else DashboardStore(ws).get(args.id)
    model, engine = open_model(args)
    engine = governed(engine, model, None, lambda result: audit_result(args, user, "query", result))
    given = cli_filters(args.filter, args.start, args.end, model)
    fields = {f.field for f in given}
    filters = (*(f for f in board.filters if f.field not in fields), *given)
    if args.tile is not None and args.tile < 1:
        raise InputError("--tile counts from 1.")
    data = export_dashboard(board, model, engine, args.format, args.lang, filters,
                            None if args.tile is None else args.tile - 1, policy)
    suffix = f"-tile{args.tile}" if args.format == "png" and args.tile else ""
    out = args.out or ws.reports / f"{board.id}{suffix}.{args.format}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    record(ws, "export", user.username if user else None,
           {"command": "dashboard export", "dashboard": board.id, "format": args.format, "path": str(out)})
    print(f"Wrote {out} ({len(data):,} bytes)")
    return 0
