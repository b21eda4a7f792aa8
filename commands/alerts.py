"""`beacon alerts ...`: keep alert rules and check them, so cron can run `beacon alerts check` every morning.

    beacon alerts add --metric roas --op "<" --threshold 1.5 --days 2            (any running campaign)
    beacon alerts add --metric spend --op ">" --threshold 50000 --channel Tmall
    beacon alerts list [--json]
    beacon alerts remove ID
    beacon alerts check [--as-of DATE] [--json] [--out PATH] [--lang zh]

`check` exits 0 whether or not anything triggered; a scheduler reads the output (or the --out file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commands.common import acting_user, add_common, governed_model
from errors import InputError
from semantic.query import parse_date
from workspace.alerts import COMPARATORS, AlertRule, add_rule, list_rules, remove_rule
from workspace.home import Workspace


def register(commands: argparse._SubParsersAction) -> None:
    alerts = commands.add_parser("alerts", help="alert rules on campaign metrics, checked by cron")
    actions = alerts.add_subparsers(dest="action", required=True)
    add = _parser(actions, "add", "save a rule", _add)
    add.add_argument("--metric", required=True, help="a model metric, e.g. roas")
    add.add_argument("--op", choices=COMPARATORS, required=True, help="how the value compares with the threshold")
    add.add_argument("--threshold", type=float, required=True)
    add.add_argument("--days", type=int, default=1, help="days in a row the condition must hold")
    scope = add.add_mutually_exclusive_group()
    scope.add_argument("--channel", help="watch one channel (default: any running campaign)")
    scope.add_argument("--campaign", help="watch one campaign id (default: any running campaign)")
    _parser(actions, "list", "print the rules", _list)
    remove = _parser(actions, "remove", "delete a rule", _remove)
    remove.add_argument("rule_id", type=int)
    check = _parser(actions, "check", "evaluate every rule and print the triggered alerts", _check)
    check.add_argument("--as-of", help="the day to check (default: the data's last day)")
    check.add_argument("--out", type=Path, help="also write the triggered alerts as JSON to this file")


def _parser(actions: argparse._SubParsersAction, name: str, text: str, handler: object) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=text)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("--meta", type=Path, help="the metadata store (default: meta.sqlite beside --db)")
    add_common(parser)
    parser.set_defaults(handler=handler)
    return parser


def _meta(args: argparse.Namespace) -> Path:
    return args.meta or Workspace(args.db.parent).meta


def _add(args: argparse.Namespace) -> int:
    from ml.alerts import check_rule, describe_rule

    scope, value = ("channel", args.channel) if args.channel else ("campaign", args.campaign) if args.campaign \
        else ("running", None)
    rule = AlertRule(args.metric, args.op, args.threshold, args.days, scope, value)
    _, model, engine = governed_model(args, "build_dashboards")  # a shared rule is workspace set-up
    check_rule(rule, model, engine)
    saved = add_rule(_meta(args), rule)
    if args.json:
        print(json.dumps(_rule_json(saved), ensure_ascii=False))
    else:
        print(f"#{saved.id}: {describe_rule(saved, model, args.lang)}")
    return 0


def _rule_json(rule: AlertRule) -> dict[str, object]:
    return {"id": rule.id, "metric": rule.metric, "comparator": rule.comparator, "threshold": rule.threshold,
            "days": rule.days, "scope": rule.scope, "scope_value": rule.scope_value}


def _list(args: argparse.Namespace) -> int:
    from ml.alerts import describe_rule
    from semantic.model import load_model

    acting_user(args, "explore")  # --user is checked (it exists, its role may read) rather than ignored
    rules = list_rules(_meta(args))
    if args.json:
        print(json.dumps([_rule_json(r) for r in rules], ensure_ascii=False))
        return 0
    model = load_model(args.model)
    for rule in rules:
        print(f"#{rule.id}: {describe_rule(rule, model, args.lang)}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    acting_user(args, "build_dashboards")
    remove_rule(_meta(args), args.rule_id)
    print(f"Removed rule #{args.rule_id}.")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ml.alerts import evaluate_all
    from ml.campaigns import data_end
    from viz.i18n import t

    _, model, engine = governed_model(args)
    as_of = parse_date(args.as_of) if args.as_of else data_end(model, engine)
    alerts = evaluate_all(list_rules(_meta(args)), model, engine, as_of)
    payload = {"as_of": as_of.isoformat(), "triggered": [a.to_dict() for a in alerts],
               "messages": [a.describe(model, args.lang) for a in alerts]}
    if args.out:
        _write(args.out, json.dumps(payload, ensure_ascii=False, indent=2))
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print("\n".join(payload["messages"]) or t("campaigns.alerts.none", args.lang))
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise InputError(f"Cannot write the alerts to {path}: {err.strerror or err}.") from err
