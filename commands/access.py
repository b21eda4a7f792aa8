"""`beacon user`, `beacon policy`, `beacon audit`: everything an admin does on the Users page, scripted.

    beacon user init                      # first start: create `admin`, print its password once
    beacon user add ana --role viewer [--password-stdin]
    beacon user list | disable NAME | enable NAME | role NAME ROLE | password NAME [--password-stdin]
    beacon policy add (--user NAME | --role ROLE) (--filter "region = 'East'" | --mask COLUMN | --hide COLUMN)
    beacon policy list | remove ID
    beacon audit [--user NAME] [--event query] [--since 2025-01-01] [--json] [--csv PATH]

The command line is trusted (it can read the workspace's files anyway), so these
commands take no password; what they change is in the audit log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from commands.common import json_value
from errors import InputError
from semantic.model import load_model
from workspace.audit import EVENTS, browse, to_csv
from workspace.home import Workspace
from workspace.policies import add_rule, list_rules, remove_rule
from workspace.users import (
    ROLES,
    add_user,
    ensure_admin,
    generate_password,
    list_users,
    set_disabled,
    set_password,
    set_role,
)


def register(commands: argparse._SubParsersAction) -> None:
    _user_parsers(commands.add_parser("user", help="add, list and disable users; change roles"))
    _policy_parsers(commands.add_parser("policy", help="row filters and masked or hidden columns per user or role"))
    audit = commands.add_parser("audit", help="browse the audit log: sign-ins, queries, exports, changes")
    audit.add_argument("--user", help="only this user's entries")
    audit.add_argument("--event", choices=EVENTS, help="only this kind of entry")
    audit.add_argument("--since", help="from this day or moment (YYYY-MM-DD or ISO time, UTC)")
    audit.add_argument("--until", help="up to this moment (ISO time, UTC; a day means its start)")
    audit.add_argument("--limit", type=int, default=200, help="at most this many entries, newest first")
    audit.add_argument("--csv", type=Path, help="write the entries to this CSV file")
    _home(audit, with_json=True)
    audit.set_defaults(handler=_audit)


def _home(parser: argparse.ArgumentParser, with_json: bool = False) -> None:
    parser.add_argument("--home", type=Path, help="the workspace folder (default: $BEACON_HOME or ./workspace)")
    if with_json:
        parser.add_argument("--json", action="store_true", help="print JSON")


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(args.home.resolve()) if args.home else Workspace.from_env()


def _user_parsers(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="first start: create the admin (password from BEACON_ADMIN_PASSWORD)")
    add = actions.add_parser("add", help="create a user; prints a generated password unless --password-stdin")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    listing = actions.add_parser("list", help="users, their roles and whether they are disabled")
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    password = actions.add_parser("password", help="set a new password (ends the user's sessions, lifts a lock)")
    password.add_argument("name")
    handlers = {init: _user_init, add: _user_add, listing: _user_list, role: _user_role, password: _user_password}
    for sub in (add, password):
        sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} an account" + (" and end its sessions" if disabled else ""))
        toggle.add_argument("name")
        toggle.set_defaults(disabled=disabled)
        handlers[toggle] = _user_toggle
    for sub, handler in handlers.items():
        _home(sub, with_json=sub is listing)
        sub.set_defaults(handler=handler)


def _user_init(args: argparse.Namespace) -> int:
    password = ensure_admin(_workspace(args))
    if password:
        print(f"Created the user 'admin'. Its password, shown only this once: {password}")
    else:
        print("Users exist already (or the admin's password came from BEACON_ADMIN_PASSWORD); nothing printed.")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    password = _password(args)
    user = add_user(_workspace(args), args.name, args.role, password)
    print(f"Created {user.role} '{user.username}'.")
    _show_generated(args, password)
    return 0


def _user_password(args: argparse.Namespace) -> int:
    password = _password(args)
    set_password(_workspace(args), args.name, password)
    print(f"New password set for '{args.name}'; their sessions have ended.")
    _show_generated(args, password)
    return 0


def _password(args: argparse.Namespace) -> str:
    """The password given on standard input, or a generated one."""
    if not args.password_stdin:
        return generate_password()
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("--password-stdin found no password on standard input.")
    return password


def _show_generated(args: argparse.Namespace, password: str) -> None:
    if not args.password_stdin:
        print(f"Password, shown only this once: {password}")


def _user_list(args: argparse.Namespace) -> int:
    users = list_users(_workspace(args))
    if args.json:
        print(json.dumps([{"username": u.username, "role": u.role, "created_at": u.created_at.isoformat(),
                           "disabled": u.disabled} for u in users]))
        return 0
    for user in users:
        status = "disabled" if user.disabled else "active"
        print(f"{user.username:<24} {user.role:<8} {status:<9} since {user.created_at:%Y-%m-%d}")
    return 0


def _user_toggle(args: argparse.Namespace) -> int:
    user = set_disabled(_workspace(args), args.name, args.disabled)
    print(f"User '{user.username}' is now {'disabled' if user.disabled else 'enabled'}.")
    return 0


def _user_role(args: argparse.Namespace) -> int:
    user = set_role(_workspace(args), args.name, args.role)
    print(f"User '{user.username}' is now {user.role}.")
    return 0


def _policy_parsers(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="attach a row filter or a column rule to a user or a role")
    subject = add.add_mutually_exclusive_group(required=True)
    subject.add_argument("--user", help="the user the rule applies to")
    subject.add_argument("--role", choices=ROLES, help="the role the rule applies to")
    rule = add.add_mutually_exclusive_group(required=True)
    rule.add_argument("--filter", help="rows to keep, e.g. \"region = 'East'\" or \"channel IN ('Tmall', 'JD')\"")
    rule.add_argument("--mask", metavar="COLUMN", help="a dimension shown masked: 138****5678, 张**")
    rule.add_argument("--hide", metavar="COLUMN", help="a dimension that cannot be shown or filtered")
    add.add_argument("--model", type=Path, help="check the names against this model (default: the workspace's)")
    listing = actions.add_parser("list", help="every rule, with its id")
    remove = actions.add_parser("remove", help="remove a rule by its id")
    remove.add_argument("id", type=int)
    for sub, handler in ((add, _policy_add), (listing, _policy_list), (remove, _policy_remove)):
        _home(sub, with_json=sub is listing)
        sub.set_defaults(handler=handler)


def _policy_add(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    model = load_model(args.model or ws.model_file())
    rule = add_rule(ws, user=args.user, role=args.role, filter=args.filter, mask=args.mask, hide=args.hide,
                    model=model)
    print(f"Rule {rule.id} added: {rule.describe()}")
    return 0


def _policy_list(args: argparse.Namespace) -> int:
    rules = list_rules(_workspace(args))
    if args.json:
        print(json.dumps([{"id": r.id, "subject_kind": r.subject_kind, "subject": r.subject, "kind": r.kind,
                           "rule": r.rule} for r in rules], ensure_ascii=False))
        return 0
    for rule in rules:
        print(f"{rule.id:>4}  {rule.describe()}")
    return 0


def _policy_remove(args: argparse.Namespace) -> int:
    rule = remove_rule(_workspace(args), args.id)
    print(f"Rule {rule.id} removed: {rule.describe()}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    entries = browse(_workspace(args), user=args.user, event=args.event, since=_moment(args.since),
                     until=_moment(args.until), limit=args.limit)
    if args.csv:
        args.csv.write_text(to_csv(entries), encoding="utf-8")
        print(f"{len(entries)} entries written to {args.csv}")
    elif args.json:
        print(json.dumps([{"id": e.id, "at": e.at.isoformat(), "event": e.event, "user": e.user,
                           "detail": e.detail, "sql": e.sql, "rows": e.rows, "duration_ms": e.duration_ms}
                          for e in entries], ensure_ascii=False, default=json_value))
    else:
        for e in entries:
            extra = f" rows={e.rows} {e.duration_ms:.0f} ms" if e.rows is not None else ""
            print(f"{e.at:%Y-%m-%d %H:%M:%S} {e.event:<15} {e.user or '(command line)':<16} "
                  f"{json.dumps(e.detail, ensure_ascii=False)}{extra}")
    return 0


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError as err:
        raise InputError(f"'{text}' is not a day or a moment; write 2025-06-18 or 2025-06-18T09:30.") from err
