"""What every command shares: the --db/--model/--json options, opening the model's engine, printing results."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl

from errors import BeaconError
from semantic.engine import DuckDBEngine, Engine, QueryResult
from semantic.model import SemanticModel, load_model
from semantic.postgres_engine import PostgresEngine
from workspace.home import Workspace
from workspace.secrets import connection_uri

EXIT_USER_ERROR = 2


def add_common(parser: argparse.ArgumentParser) -> None:
    ws = Workspace.from_env()
    parser.add_argument("--db", type=Path, default=ws.warehouse, help="the DuckDB warehouse file")
    parser.add_argument("--model", type=Path, default=ws.model_file(), help="the semantic model YAML")
    parser.add_argument("--json", action="store_true", help="print JSON: sql, columns, rows")


def open_model(args: argparse.Namespace) -> tuple[SemanticModel, Engine]:
    model = load_model(args.model)
    if model.connection:
        return model, PostgresEngine(connection_uri(Workspace(args.db.parent), model.connection))
    engine = DuckDBEngine(args.db)
    engine.data_version  # noqa: B018 - fails early, in words, when the file is missing
    return model, engine


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
