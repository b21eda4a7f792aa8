"""What every command shares: the --db/--model/--json options, opening the model's engine, printing results."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from contextlib import suppress
from pathlib import Path
from typing import Any

import polars as pl

from errors import BeaconError, PermissionDeniedError
from semantic.engine import DuckDBEngine, Engine, QueryResult
from semantic.model import SemanticModel, load_model
from semantic.postgres_engine import PostgresEngine
from semantic.query import Policy
from viz.i18n import keyed_error
from workspace.audit import record, record_result
from workspace.home import Workspace
from workspace.policies import policy_for
from workspace.secrets import connection_uri
from workspace.users import User, get_user, require

EXIT_USER_ERROR = 2


def add_common(parser: argparse.ArgumentParser) -> None:
    ws = Workspace.from_env()
    parser.add_argument("--db", type=Path, default=ws.warehouse, help="the DuckDB warehouse file")
    parser.add_argument("--model", type=Path, default=ws.model_file(), help="the semantic model YAML")
    parser.add_argument("--json", action="store_true", help="print JSON: sql, columns, rows")
    parser.add_argument("--user", help="run as this Beacon user: their role is checked and their data policy "
                        "(row filters, masked and hidden columns) applies")


def open_model(args: argparse.Namespace) -> tuple[SemanticModel, Engine]:
    if getattr(args, "user", None) and not getattr(args, "governed", False):
        # Fail closed: a command that has not taken the user's policy (acting_user) must not run as if it had.
        raise keyed_error(PermissionDeniedError, "errors.access.cli_user", command=getattr(args, "command", ""))
    model = load_model(args.model)
    if model.connection:
        return model, PostgresEngine(connection_uri(Workspace(args.db.parent), model.connection))
    engine = DuckDBEngine(args.db)
    engine.data_version  # noqa: B018 - fails early, in words, when the file is missing
    return model, engine


def acting_user(args: argparse.Namespace, action: str = "explore") -> tuple[User | None, Policy]:
    """The --user of the command (whose role must allow `action`) and their data policy.

    Without --user the command line is trusted (it can read the warehouse file anyway): no policy.
    The users live in the workspace of the --db warehouse.
    """
    if not getattr(args, "user", None):
        return None, Policy()
    ws = Workspace(args.db.parent)
    user = get_user(ws, args.user)
    args.acting = user.username  # from here on a refusal is this user's (audit_refusal)
    require(user, action)
    args.governed = True
    return user, policy_for(ws, user)


def governed_model(args: argparse.Namespace, action: str = "explore") -> tuple[User | None, SemanticModel, Engine]:
    """acting_user and open_model in one: the engine reads under the user's policy and logs every query it runs
    (for the analyses - campaigns, segments, reports - that run many queries through one engine)."""
    from ml.governed import governed

    user, policy = acting_user(args, action)
    model, engine = open_model(args)
    return user, model, governed(engine, model, policy, lambda result: audit_result(args, user, "query", result))


def audit_result(args: argparse.Namespace, user: User | None, event: str, result: QueryResult) -> None:
    """Append the query to the audit log of the --db warehouse's workspace: SQL, user, rows, duration."""
    record_result(Workspace(args.db.parent), event, user.username if user else None, result,
                  {"command": getattr(args, "command", None)})


def audit_refusal(args: argparse.Namespace, reason: str, **detail: str) -> None:
    """A --user command refused by a role or a data policy leaves an access_denied entry, as the app does.

    Called from the error handler too, so a log that cannot be written costs the entry, never a traceback."""
    if getattr(args, "acting", None):
        with suppress(BeaconError):
            record(Workspace(args.db.parent), "access_denied", args.acting,
                   {"command": getattr(args, "command", None), "reason": reason, **detail})


def audit_load(args: argparse.Namespace, user: User | None, table: str, source: str) -> None:
    """The data_load entry of a table a command wrote to the warehouse."""
    record(Workspace(args.db.parent), "data_load", user.username if user else None,
           {"command": getattr(args, "command", None), "table": table, "source": source})


def pair(text: str, separator: str, form: str) -> tuple[str, str]:
    left, found, right = text.partition(separator)
    if not (found and left.strip() and right.strip()):
        raise BeaconError(f"Cannot read {text!r}: write it as {form}.")
    return left.strip(), right.strip()


def print_result(result: QueryResult, as_json: bool) -> None:
    frame = result.frame
    if as_json:
        payload = {"sql": result.compiled.sql, "columns": frame.columns,
                   "rows": [list(row) for row in frame.rows()]}
        print(json.dumps(payload, ensure_ascii=False, default=json_value))
        return
    with pl.Config(tbl_rows=200, tbl_cols=30, fmt_str_lengths=60, tbl_hide_dataframe_shape=True):
        print(frame)
    note = " (truncated)" if result.truncated else ""
    print(f"{frame.height} rows in {result.elapsed_ms:.0f} ms{note}")


def json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)
