"""Sources beyond uploads: saved database connections, live models, REST endpoints, and refresh.

Passwords and API keys go to the workspace's secrets file; the catalog keeps only
the connection's name and a redacted label, so a table can be refreshed without
any credential being stored beside the data.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
from sqlglot import exp

from errors import IngestError, InputError
from ingest.catalog import CatalogEntry
from ingest.databases import arrow_source, list_tables, parse_uri, read_table
from ingest.files import open_sources
from ingest.load import LoadReport, Origin, load_source, refresh
from ingest.names import safe_name
from ingest.rest import RestSpec, redact_url, rest_source
from ingest.source import Source, table_ref
from ingest.store import write_transaction
from semantic.infer import propose_model
from semantic.model import save_model
from viz.i18n import keyed_error
from workspace.home import Workspace
from workspace.secrets import connection_uri, read_secret, save_connection, save_secret

LIVE_SAMPLE_ROWS = 50_000


def save_and_list(ws: Workspace, name: str, uri: str) -> list[str]:
    """Check the connection works, keep it under `name`, and list what it holds."""
    tables = list_tables(uri)
    save_connection(ws, name, uri)
    return tables


def import_tables(ws: Workspace, connection: str, tables: list[str]) -> list[LoadReport]:
    """Copy each table into the warehouse as a snapshot (refreshable), named by its safe name."""
    uri = connection_uri(ws, connection)
    kind, label = parse_uri(uri).kind, parse_uri(uri).label
    arrows = {table: read_table(uri, table) for table in tables}  # network reads outside the write lock
    with write_transaction(ws.warehouse) as con:
        return [load_source(con, arrow_source(con, arrow, f"{label} · {table}"), safe_name(table, "table"),
                            Origin(kind, f"{label} · {table}", {"connection": connection, "table": table}))
                for table, arrow in arrows.items()]


def load_rest(ws: Workspace, spec: RestSpec, table: str) -> LoadReport:
    """Load every page of an endpoint; its URL and headers (keys, tokens) are kept as a secret of the table."""
    secret = f"rest_{safe_name(table, 'table')}"[:63]
    options = {"spec": {**dataclasses.asdict(spec), "url": redact_url(spec.url), "headers": {}}, "secret": secret}
    with write_transaction(ws.warehouse) as con:
        report = load_source(con, rest_source(con, spec), table, Origin("rest", redact_url(spec.url), options))
    save_secret(ws, secret, json.dumps({"url": spec.url, "headers": spec.headers}))
    return report


def refresh_table(ws: Workspace, entry: CatalogEntry) -> LoadReport:
    """Read a table's origin again and replay its cleaning recipe."""
    return refresh(ws.warehouse, entry.table, entry, lambda con, e, work: _reopen(ws, con, e, work))


def _reopen(ws: Workspace, con: duckdb.DuckDBPyConnection, entry: CatalogEntry, work: Path) -> Source:
    options = entry.options
    if entry.kind == "file":
        path = Path(options["path"])
        if not path.is_file():
            raise keyed_error(IngestError, "errors.connector.file_gone", table=entry.table, path=path)
        sheet = options.get("sheet")
        return open_sources(con, path, [sheet] if sheet else None, work)[0]
    if entry.kind in ("postgres", "mysql", "sqlite"):
        uri = connection_uri(ws, options["connection"])
        return arrow_source(con, read_table(uri, options["table"]), entry.origin)
    if entry.kind == "rest":
        kept = json.loads(read_secret(ws, options["secret"]))
        return rest_source(con, RestSpec(**{**options["spec"], "url": kept["url"], "headers": kept["headers"]}))
    raise keyed_error(IngestError, "errors.connector.no_refresh", table=entry.table, origin=entry.origin)


def save_live_model(ws: Workspace, connection: str, tables: list[str]) -> str:
    """Propose a model from a sample of each PostgreSQL table; queries on it then run in the database."""
    uri = connection_uri(ws, connection)
    if parse_uri(uri).kind != "postgres":
        raise keyed_error(InputError, "errors.connector.live_postgres")
    sample = duckdb.connect()
    names = {table: safe_name(table, "table") for table in tables}
    for table, name in names.items():
        view = arrow_source(sample, read_table(uri, table, LIVE_SAMPLE_ROWS), table).relation
        create = exp.Create(this=table_ref(name), kind="TABLE", expression=exp.select("*").from_(view))
        sample.execute(create.sql("duckdb"))
    model = propose_model(sample, list(names.values()), connection)
    by_id = {names[t]: t for t in tables}
    live = dataclasses.replace(model, connection=connection, tables={
        key: dataclasses.replace(value, sql_table=by_id.get(key, value.sql_table))
        for key, value in model.tables.items()})
    ws.models.mkdir(parents=True, exist_ok=True)
    save_model(live, ws.models / f"{connection}.yaml")
    return connection
