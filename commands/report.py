"""`beacon report ...`: write a campaign's review (复盘) and search the archive of reviews already written.

    beacon report campaign CMP027 [--format html|pdf|md] [--lang en|zh] [--as-of DATE] [--out PATH] [--json]
    beacon report list [--search TEXT] [--json]

Every review is archived under the workspace's reports/ folder with its
parameters recorded, so `report list` is the team's history of reviews;
`--out` also writes a copy where the user wants it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.common import add_common, governed_model
from errors import InputError
from semantic.query import parse_date
from workspace.audit import record
from workspace.home import Workspace

FORMATS = ("html", "pdf", "md")


def register(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="campaign review reports and their archive")
    actions = report.add_subparsers(dest="action", required=True)
    campaign = actions.add_parser("campaign", help="write the review of one campaign")
    campaign.add_argument("campaign_id")
    campaign.add_argument("--format", dest="fmt", choices=FORMATS, default="html")
    campaign.add_argument("--lang", choices=("en", "zh"), default="en")
    campaign.add_argument("--as-of", help="the day the figures run to (default: the data's last day)")
    campaign.add_argument("--out", type=Path, help="also write the report to this file or folder")
    add_common(campaign)
    _workspace(campaign)
    campaign.set_defaults(handler=_campaign)
    listing = actions.add_parser("list", help="the archived reviews, newest first")
    listing.add_argument("--search", help="text in the title, campaign id, language, format or date")
    listing.add_argument("--json", action="store_true", help="print JSON")
    _workspace(listing)
    listing.set_defaults(handler=_list)


def _workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, default=None,
                        help="the workspace whose reports/ folder archives the reviews (default: $BEACON_HOME)")


def _home(args: argparse.Namespace) -> Workspace:
    return Workspace(args.workspace.resolve()) if args.workspace else Workspace.from_env()


def _campaign(args: argparse.Namespace) -> int:
    from commands.campaign import emit
    from viz.report import generate_review

    as_of = parse_date(args.as_of) if args.as_of else None
    target = _out_path(args.out) if args.out else None
    user, model, engine = governed_model(args, "export")
    path, content = generate_review(_home(args), model, engine, args.campaign_id, args.fmt, args.lang, as_of)
    copy = target / path.name if target is not None and target.is_dir() else target
    if copy is not None:
        copy.write_bytes(content)
    record(Workspace(args.db.parent), "export", user.username if user else None,
           {"command": "report campaign", "campaign_id": args.campaign_id, "format": args.fmt,
            "path": str(path), "out": str(copy) if copy else None})
    if args.json:
        emit({"campaign_id": args.campaign_id, "format": args.fmt, "lang": args.lang, "path": str(path),
              "out": str(copy) if copy else None, "bytes": len(content)})
    else:
        print(f"Review of {args.campaign_id} saved to {path}" + (f" and {copy}" if copy else ""))
    return 0


def _out_path(out: Path) -> Path:
    """Refuse, before any work, an --out whose folder does not exist."""
    folder = out if out.is_dir() else out.parent
    if not folder.is_dir():
        raise InputError(f"Cannot write the report to {out}: the folder {folder} does not exist.")
    return out


def _names(ws: Workspace, search: str | None) -> tuple[str, ...]:
    """The campaign names, in every language the workspace's model has, that `search` is part of."""
    from semantic.model import load_model
    from viz.labels import value_forms

    return value_forms(search, "campaign_name", load_model(ws.model_file())) if search else ()


def _list(args: argparse.Namespace) -> int:
    from commands.campaign import emit
    from viz.i18n import t
    from workspace.reports import list_reports

    found = list_reports(_home(args), args.search, _names(_home(args), args.search))
    if args.json:
        emit({"reports": [r.to_dict() for r in found]})
        return 0
    for r in found:
        print(f"{r.created_at:%Y-%m-%d %H:%M}  {r.campaign_id}  {r.lang}  {r.format:4}  as of {r.as_of}  "
              f"{r.title}  {r.path}")
    if not found:
        print(t("review.archive.none", "en"))
    return 0
