"""Raw SQL check: one read-only SELECT over the model's tables, with a row limit.

Users and the CLI may type SQL, and an LLM may be tempted to write it. Nothing
of that reaches a database unless it is a single query that reads only the
model's tables: no writes, no settings, no files, no other databases, no
catalog views. The check is made on sqlglot's tree, not on the text, so
comments, quoting and odd spacing cannot hide a second statement; the SQL that
is returned is regenerated from the checked tree and checked once more.

>>> guard("select * from Orders", ["orders"], max_rows=100)
'SELECT * FROM Orders LIMIT 100'
>>> guard("DELETE FROM orders", ["orders"])
Traceback (most recent call last):
...
errors.UnsafeSQLError: Only SELECT statements are allowed; found DELETE.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from fnmatch import fnmatchcase

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from errors import UnsafeSQLError, suggest
from viz.i18n import keyed_error

# Nodes that write, change session state, or describe the catalog, wherever they sit in the tree.
FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Copy, exp.LoadData, exp.Export,
    exp.Create, exp.Drop, exp.Undrop, exp.Alter, exp.AlterSession, exp.TruncateTable, exp.Comment,
    exp.Command, exp.Pragma, exp.Set, exp.Use, exp.Attach, exp.Detach, exp.Install,
    exp.ConnectTo, exp.Disconnect, exp.Transaction, exp.Commit, exp.Rollback,
    exp.Grant, exp.Revoke, exp.Describe, exp.Show, exp.Summarize, exp.Analyze,
    exp.Refresh, exp.Cache, exp.Uncache, exp.Kill, exp.Execute, exp.Declare,
    exp.Put, exp.Get, exp.Into, exp.Lock, exp.NextValueFor,
)

# Functions that read files, the environment, settings or the catalog, reach other
# databases, run SQL given as text, or change state; shell-style patterns, lower case.
FORBIDDEN_FUNCTIONS: frozenset[str] = frozenset({
    # files and file formats
    "read_*", "*_scan", "*_scan_*", "glob", "sniff_csv", "parquet_*", "iceberg_*", "delta_*",
    "st_read", "st_read_*", "to_file", "write_*",
    # SQL given as text, or as a plan
    "query", "query_table", "json_execute_serialized_sql", "from_substrait*", "*_to_xml*",
    # environment, settings, variables, secrets, the catalog
    "getenv", "current_setting", "set_config", "getvariable", "which_secret", "duckdb_*",
    "pragma_*", "enable_*", "disable_*", "checkpoint", "force_checkpoint", "test_all_types",
    # extensions, other databases, the network, the shell
    "load_*", "install_*", "sqlite_*", "postgres_*", "mysql_*", "odbc_*", "ducklake_*",
    "pg_*", "lo_*", "dblink*", "http_*", "system", "sys_*", "shell", "xp_cmdshell",
    # state: sequences, random seed, data generators that create tables
    "nextval", "setval", "setseed", "txid_*", "dbgen", "dsdgen",
})

_SELECT_LIST = "the SELECT list"  # the one clause named in words (errors.guard.where.select...)
_CLAUSES = {
    "expressions": _SELECT_LIST, "from_": "FROM", "joins": "JOIN", "laterals": "LATERAL",
    "where": "WHERE", "group": "GROUP BY", "having": "HAVING", "qualify": "QUALIFY",
    "order": "ORDER BY", "with_": "WITH", "windows": "WINDOW",
}
_KIND_NAMES = {"TruncateTable": "TRUNCATE", "Transaction": "BEGIN", "Into": "SELECT ... INTO",
               "Lock": "FOR UPDATE/SHARE", "NextValueFor": "NEXT VALUE FOR"}
_PATH_LIKE = re.compile(r"[./\\*:~]")
# ASCII-only case folding, as databases fold names: str.lower() would let 'Kelvin K' (U+212A) pass as 'k'.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def guard(sql: str, allowed_tables: Iterable[str], dialect: str = "duckdb", max_rows: int = 10_000) -> str:
    """Return the statement rewritten with a row limit, or raise UnsafeSQLError.

    The statement must be one query (SELECT, set operations, CTEs) that reads only
    `allowed_tables`; the outermost LIMIT becomes at most `max_rows`.

    >>> guard("WITH t AS (SELECT 1 AS x) SELECT x FROM t LIMIT 5", [], max_rows=3)
    'WITH t AS (SELECT 1 AS x) SELECT x FROM t LIMIT 3'
    """
    allowed = _allowed(allowed_tables, dialect)
    query = _checked(_parse_one(sql, dialect), allowed, dialect)
    _apply_limit(query, max_rows)
    rewritten = query.sql(dialect=dialect, comments=False)
    _checked(_parse_one(rewritten, dialect), allowed, dialect)  # what we return is what we checked
    if dialect == "duckdb":
        _confirm_single_select(rewritten)
    return rewritten


def _allowed(names: Iterable[str], dialect: str) -> dict[tuple[str, ...], str]:
    """Map each allowed table's normalised parts to its name as the model spells it."""
    return {_key([p.name for p in exp.to_table(name, dialect=dialect).parts]): name for name in names}


def _key(parts: list[str]) -> tuple[str, ...]:
    """Lower-case name parts, with DuckDB's default schema `main` dropped: main.orders is orders."""
    lowered = [p.translate(_ASCII_LOWER) for p in parts]
    return tuple(lowered[1:] if len(lowered) == 2 and lowered[0] == "main" else lowered)


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    """Parse `sql` and return its only statement; a trailing semicolon or comment is fine."""
    try:
        parsed = sqlglot.parse(sql, read=dialect)
    except ParseError as err:
        raise _parse_error(err) from err
    except SqlglotError as err:
        near = str(err).removeprefix("Error tokenizing ")
        raise keyed_error(UnsafeSQLError, "errors.guard.unclosed", near=near) from err
    statements = [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]
    if not statements:
        raise keyed_error(UnsafeSQLError, "errors.guard.empty")
    if len(statements) > 1:
        raise keyed_error(UnsafeSQLError, "errors.guard.statements", count=len(statements),
                          kinds=", ".join(_kind(s) for s in statements))
    return statements[0]


def _parse_error(err: ParseError) -> UnsafeSQLError:
    """Say where parsing failed, in words: line, column and the text around it."""
    if not err.errors:
        return keyed_error(UnsafeSQLError, "errors.guard.unparsable", reason=str(err))
    first = err.errors[0]
    near = " ".join((first.get("start_context", "") + first.get("highlight", "")).split())[-40:]
    return keyed_error(UnsafeSQLError, "errors.guard.unparsable_at", line=first.get("line"), column=first.get("col"),
                       reason=_plain(str(first.get("description"))), near=near)


def _plain(description: str) -> str:
    """sqlglot's parse error in user words: no class paths or token dumps."""
    missing = re.match(r"Required keyword: '\w+' missing for <class '[\w.]*\.(\w+)'>", description)
    if missing:
        return f"{missing.group(1).upper()} is incomplete"
    return re.sub(r"<Token token_type: [^,]*, text: ([^,]*),.*?>", r"'\1'", description)


def _checked(statement: exp.Expression, allowed: dict[tuple[str, ...], str], dialect: str) -> exp.Query:
    """Apply every rule to one parsed statement and return it as a query."""
    if not isinstance(statement, exp.Query):
        raise keyed_error(UnsafeSQLError, "errors.guard.not_select", kind=_kind(statement))
    _refuse_forbidden_nodes(statement)
    _refuse_forbidden_functions(statement)
    _refuse_table_functions(statement, dialect)
    _check_tables(statement, frozenset(), allowed)
    return statement


def _refuse_forbidden_nodes(query: exp.Query) -> None:
    """Refuse anything that writes or changes state, even deep inside a CTE or subquery."""
    node = next(query.find_all(*FORBIDDEN_NODES), None)
    if node is not None:
        where = {"where_key": ""} if isinstance(node, exp.Into | exp.Lock) else _where(node)
        raise keyed_error(UnsafeSQLError, "errors.guard.writes", kind=_kind(node), **where)


def _refuse_forbidden_functions(query: exp.Query) -> None:
    """Refuse functions that read files, settings or other databases, wherever they are called."""
    for func in query.find_all(exp.Func):
        name = _function_name(func)
        if any(fnmatchcase(name, pattern) for pattern in FORBIDDEN_FUNCTIONS):
            raise keyed_error(UnsafeSQLError, "errors.guard.function", name=name, **_where(func))


def _function_name(func: exp.Func) -> str:
    """The name a function is called by, lower case; unknown functions keep the name typed."""
    if isinstance(func, exp.Anonymous | exp.AnonymousAggFunc):
        return func.name.lower()
    return func.sql_name().lower()


def _refuse_table_functions(query: exp.Query, dialect: str) -> None:
    """FROM and JOIN may name tables, subqueries and VALUES lists, never a function or a path."""
    for clause in query.find_all(exp.From, exp.Join, exp.Lateral):
        source = clause.this
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
            continue
        if isinstance(source, exp.Subquery | exp.Values) or (
                isinstance(source, exp.Lateral) and not isinstance(clause, exp.Lateral)):
            continue
        shown = (source.this if isinstance(source, exp.Table) else source).sql(dialect)[:60]
        raise keyed_error(UnsafeSQLError, "errors.guard.table_function", shown=shown, **_where(source))


def _check_tables(node: exp.Expression, ctes: frozenset[str], allowed: dict[tuple[str, ...], str]) -> None:
    """Check every table reference under `node`, knowing which CTE names are in scope there."""
    with_ = node.args.get("with_")
    if isinstance(with_, exp.With):
        ctes = _check_ctes(with_, ctes, allowed)
    if isinstance(node, exp.Table):
        _check_table(node, ctes, allowed)
    for child in node.iter_expressions():
        if child is not with_:
            _check_tables(child, ctes, allowed)


def _check_ctes(with_: exp.With, ctes: frozenset[str], allowed: dict[tuple[str, ...], str]) -> frozenset[str]:
    """Check each CTE body; a CTE sees the ones before it, and itself only when RECURSIVE."""
    for cte in with_.expressions:
        name = cte.alias_or_name.translate(_ASCII_LOWER)
        _check_tables(cte.this, ctes | {name} if with_.args.get("recursive") else ctes, allowed)
        ctes = ctes | {name}
    return ctes


def _check_table(table: exp.Table, ctes: frozenset[str], allowed: dict[tuple[str, ...], str]) -> None:
    """A table is a CTE in scope or a model table, unqualified or in schema main."""
    if not isinstance(table.this, exp.Identifier):
        raise keyed_error(UnsafeSQLError, "errors.guard.not_a_table", shown=table.this.sql()[:60], **_where(table))
    parts = [p.name for p in table.parts]
    if (len(parts) == 1 and _key(parts)[0] in ctes) or _key(parts) in allowed:
        return
    hints = suggest(table.name, allowed.values())
    raise keyed_error(UnsafeSQLError, "errors.guard.not_in_model" if allowed else "errors.guard.not_in_model_none",
                      shown=".".join(parts), **_where(table), allowed=", ".join(sorted(allowed.values())),
                      path_key="errors.guard.path" if _PATH_LIKE.search(table.name) else "",
                      hint_key="errors.did_you_mean" if hints else "", suggestions_or=tuple(hints))


def _apply_limit(query: exp.Query, max_rows: int) -> None:
    """Give the outermost query a LIMIT of at most `max_rows` rows."""
    current = _limit_rows(query)
    if current is None or current > max_rows:
        query.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))


def _limit_rows(query: exp.Query) -> int | None:
    """The outermost LIMIT (or FETCH FIRST) as a row count; anything but a whole number is refused."""
    limit = query.args.get("limit")
    if limit is None:
        return None
    options = limit.args.get("limit_options")
    if options is not None and options.args.get("percent"):
        raise keyed_error(UnsafeSQLError, "errors.guard.limit_percent")
    count = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression
    if count is None and isinstance(limit, exp.Fetch):
        return 1  # FETCH FIRST ROW ONLY
    if isinstance(count, exp.Literal) and not count.is_string and count.this.isdigit():
        return int(count.this)
    shown = count.sql() if count is not None else ""
    raise keyed_error(UnsafeSQLError, "errors.guard.limit", shown=shown)


def _confirm_single_select(sql: str) -> None:
    """Ask DuckDB's own parser too: the rewritten text must be exactly one SELECT."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise keyed_error(UnsafeSQLError, "errors.guard.duckdb_unreadable", reason=str(err)) from err
    kinds = [s.type.name for s in statements]
    if kinds != ["SELECT"]:
        raise keyed_error(UnsafeSQLError, "errors.guard.duckdb_kinds", kinds=", ".join(kinds),
                          hint_key="errors.guard.pivot" if "MULTI" in kinds else "")


def _kind(node: exp.Expression) -> str:
    """A statement's kind as a user would name it: DELETE, DROP, CALL, PRAGMA..."""
    if isinstance(node, exp.Command):
        return node.name.upper()
    if isinstance(node, exp.Column | exp.Identifier | exp.Var):
        return node.name.upper()
    name = type(node).__name__
    return _KIND_NAMES.get(name, name.upper())


def _where(node: exp.Expression) -> dict[str, str]:
    """Where `node` sits, as the values of a `{where}` phrase: " in FROM of CTE 'recent'", " in WHERE of a
    subquery", or nothing at the top level (errors.guard.where.*)."""
    clause, nested = "", False
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.CTE):
            return _where_values(clause, "cte", parent.alias)
        if isinstance(parent, exp.Select):
            nested = bool(clause)
            clause = clause or _CLAUSES.get(child.arg_key, child.arg_key.strip("_").upper())
        child, parent = parent, parent.parent
    return _where_values(clause, "subquery" if nested else "", "")


def _where_values(clause: str, scope: str, cte: str) -> dict[str, str]:
    """The where_key and values of " in {clause}[ of CTE '{cte}' / of a subquery]" (the SELECT list in words)."""
    if not clause:
        key = "cte" if scope == "cte" else ""
    else:
        key = ("select" if clause == _SELECT_LIST else "clause") + (f"_{scope}" if scope else "")
    return {"where_key": f"errors.guard.where.{key}" if key else "", "clause": clause, "cte": cte}
