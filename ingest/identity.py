"""One person, one id: link the rows of several tables that share a phone, email, card or WeChat id.

Marketing data names the same customer differently in each system: the CRM by phone and
email, the shop by phone as typed at checkout, the loyalty program by card number, the
WeChat account by its id. `resolve_identities` normalises every key the same way,
links rows that share any normalised key, directly or through a chain (A and B share a
phone, B and C an email: A, B and C are one person), and writes one person id per row.

Normalisation (deterministic, in SQL, after full-width characters become half-width and
the value is trimmed; a key is only ever compared with keys of the same kind):

- phone: digits only (a trailing '.0' from a spreadsheet dropped first); a Chinese mobile
  number written with +86, 0086, 86 or a leading 0 becomes its 11 digits. Ignored: fewer
  than 7 or more than 15 digits, one digit repeated (00000000000), and well-known dummies
  (12345678901, 13800138000...).
- email: lower case, must look like name@domain.tld. For gmail.com and googlemail.com only,
  dots and a +tag in the name are dropped (Gmail delivers those to the same mailbox); other
  providers may treat them as different mailboxes, and a wrong merge mixes two people's
  purchases, which costs more than a missed one. Ignored: test@test.com-style addresses,
  example.com/test.com domains, names such as noemail, noreply, none, null, unknown, test.
- member_card: lower case, spaces and hyphens dropped ('VIP 0001' = 'vip-0001'), '.0' dropped.
- wechat, customer_id: lower case ('.0' dropped for customer_id).
- Every kind ignores empty values, one character repeated ('0', '----', 'xxxx') and
  placeholder words (n/a, none, null, unknown, test, 无, 暂无, 未知...).

A record is one row key of one table (rows sharing a row key are one record). The person
id is 'P' and 16 hex digits of the MD5 of the person's smallest normalised key, so it is the
same on every run over the same data and usually survives new data (it changes only when
a person gains a smaller key or two persons merge); a record without a usable key gets its
own id from its table and row key. Components are found in DuckDB by label propagation
with pointer jumping (a few passes, each a join and a GROUP BY), so a million records stay
in the database and take seconds.

>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE crm AS SELECT * FROM (VALUES (1, '+86 138-1234-5678'), (2, 'n/a')) t(__row, phone)")
>>> _ = con.execute("CREATE TABLE shop AS SELECT * FROM (VALUES (1, '13812345678')) t(__row, tel)")
>>> report = resolve_identities(con, [KeyColumn("crm", "phone", "phone"), KeyColumn("shop", "tel", "phone")])
>>> report.records, report.persons, report.merged_records, report.ignored_values
(3, 2, 2, 1)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from errors import IngestError, suggest
from ingest.catalog import CatalogEntry, ColumnInfo, record
from ingest.source import table_ref
from ingest.store import write_transaction
from viz.i18n import keyed_error
from workspace import clock

KINDS = ("phone", "email", "member_card", "wechat", "customer_id")
ROW = "__row"
MAX_PASSES = 200
_TEMP = "__identity_"
_FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_WORDS = ("n/a", "na", "nan", "none", "null", "nil", "unknown", "undefined", "test", "无", "暂无", "未知", "空",
          "不详")
_DUMMY_PHONES = ("1234567", "12345678", "123456789", "1234567890", "12345678901", "01234567890", "13800138000")
_DUMMY_EMAILS = ("test@test.com", "a@a.com", "abc@abc.com", "xxx@xxx.com", "no@no.com", "none@none.com",
                 "null@null.com", "noemail@noemail.com", "email@email.com")
_DUMMY_DOMAINS = ("example.com", "example.org", "example.net", "test.com", "none.com", "noemail.com")
_DUMMY_NAMES = ("noemail", "no-email", "noreply", "no-reply", "donotreply", "none", "null", "unknown", "test", "n/a",
                "na", "xxx")


@dataclass(frozen=True)
class KeyColumn:
    """`column` of `table` holds keys of `kind`; `row_key` names the column identifying a row.

    Without `row_key` the table's `__row` column is used. All KeyColumns of one table must
    agree on it.
    """

    table: str
    column: str
    kind: str
    row_key: str | None = None  # rows whose row key is NULL are left out


@dataclass(frozen=True)
class TableIdentity:
    """One input table in the report: its records, how many had a usable key, how many persons."""

    records: int
    keyed: int
    persons: int
    shared: int  # records whose person also has records in another table


@dataclass(frozen=True)
class IdentityExample:
    """A person found in several records, with the keys that linked them, for the user to check."""

    person_id: str
    records: tuple[tuple[str, str], ...]  # (table, row key)
    keys: tuple[str, ...]  # 'kind:normalised value'


@dataclass(frozen=True)
class IdentityReport:
    output: str
    records: int
    persons: int
    merged_records: int  # records that share their person with at least one other record
    ignored_values: int  # non-empty key values ignored as placeholders or malformed
    by_table: dict[str, TableIdentity] = field(hash=False)
    examples: tuple[IdentityExample, ...] = ()
    passes: int = 0


# ---------------------------------------------------------------- normalisation

def _in(values: tuple[str, ...]) -> str:
    """A SQL list of constant strings for the templates below (constants only, never user values)."""
    return "(" + ", ".join(exp.Literal.string(v).sql("duckdb") for v in values) + ")"


_KEPT = f"CASE WHEN v <> repeat(left(v, 1), length(v)) AND v NOT IN {_in(_WORDS)} THEN v END"
# Each kind: SQL stages applied in turn to `v`, the trimmed half-width text of the value.
_STAGES: dict[str, tuple[str, ...]] = {
    "phone": (
        r"regexp_replace(regexp_replace(v, '\.0+$', ''), '[^0-9]', '', 'g')",
        r"coalesce(nullif(regexp_extract(v, '^(?:0086|86|0)?(1[3-9][0-9]{9})$', 1), ''), v)",
        f"CASE WHEN length(v) BETWEEN 7 AND 15 AND v <> repeat(left(v, 1), length(v)) "
        f"AND v NOT IN {_in(_DUMMY_PHONES)} THEN v END",
    ),
    "email": (
        r"CASE WHEN regexp_full_match(lower(v), '[^@\s]+@[^@\s]+\.[^@\s]+') THEN lower(v) END",
        "CASE WHEN split_part(v, '@', 2) IN ('gmail.com', 'googlemail.com') "
        "THEN replace(split_part(split_part(v, '@', 1), '+', 1), '.', '') || '@gmail.com' ELSE v END",
        f"CASE WHEN v NOT IN {_in(_DUMMY_EMAILS)} AND split_part(v, '@', 2) NOT IN {_in(_DUMMY_DOMAINS)} "
        f"AND split_part(v, '@', 1) NOT IN {_in(_DUMMY_NAMES)} THEN v END",
    ),
    "member_card": (r"lower(regexp_replace(regexp_replace(v, '\.0+$', ''), '[\s\-]', '', 'g'))", _KEPT),
    "wechat": ("lower(v)", _KEPT),
    "customer_id": (r"lower(regexp_replace(v, '\.0+$', ''))", _KEPT),
}


def _template(sql: str, value: exp.Expression) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(lambda n: value.copy() if isinstance(n, exp.Column) and n.name == "v" else n)


def _cleaned(value: exp.Expression) -> exp.Expression:
    """Text, full-width letters and digits made half-width, trimmed, '' as NULL.

    TRANSLATE is slow, so only text with a non-ASCII character (more bytes than characters) goes through it.
    """
    text = exp.cast(value, "VARCHAR")
    wide = exp.func("TRANSLATE", text.copy(), exp.convert(_FULL_WIDTH), exp.convert(_HALF_WIDTH))
    ascii_only = exp.EQ(this=exp.func("STRLEN", text.copy()), expression=exp.Length(this=text.copy()))
    half = exp.Case().when(ascii_only, text).else_(wide)
    return exp.Nullif(this=exp.Trim(this=half), expression=exp.convert(""))


def normalise(kind: str, value: str | None) -> str | None:
    """One value normalised as `resolve_identities` does it, None when it is ignored.

    >>> normalise("phone", "+86 138-1234-5678"), normalise("phone", "00000000000")
    ('13812345678', None)
    >>> normalise("email", " Li.Lei+shop@GMail.com "), normalise("member_card", "VIP 0001")
    ('lilei@gmail.com', 'vip0001')
    """
    _check_kind(kind)
    literal = exp.Null() if value is None else exp.Literal.string(value)
    query = _normalised(kind, exp.select(exp.alias_(_cleaned(literal), "v")), [])
    with duckdb.connect() as con:
        row = con.execute(query.sql("duckdb")).fetchone()
    return row[0] if row else None


def _normalised(kind: str, rows: exp.Select, carry: list[str]) -> exp.Select:
    """`rows` selects the cleaned value `v` and the `carry` columns; each stage of `kind` wraps it once."""
    query = rows
    for stage in _STAGES[kind]:
        value = _template(stage, exp.column("v"))
        query = exp.select(*carry, exp.alias_(value, "v")).from_(query.subquery("s"))
    return query


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        hint = suggest(kind, KINDS)
        raise keyed_error(IngestError, "errors.identity.unknown_kind", kind=repr(kind), kinds=", ".join(KINDS),
                          hint_key="errors.did_you_mean" if hint else "", suggestions_or=tuple(hint))


# ---------------------------------------------------------------- resolution

_RECORDS, _VALUES, _LINKS, _EDGES = (f"{_TEMP}{n}" for n in ("records", "values", "links", "edges"))
_LABELS, _FINAL, _SIZES = (f"{_TEMP}labels_0", f"{_TEMP}labels_1"), f"{_TEMP}final", f"{_TEMP}sizes"
# Internal steps over the temporary tables above: constant SQL, no user names or values.
_SQL_LINKS = f"""CREATE TEMP TABLE {_LINKS} AS SELECT DISTINCT r.rec, v.key FROM {_VALUES} AS v
    JOIN {_RECORDS} AS r ON r.table_name = v.table_name AND r.row_key = v.row_key WHERE v.key IS NOT NULL"""
_SQL_EDGES = f"""CREATE TEMP TABLE {_EDGES} AS SELECT DISTINCT a, b FROM
    (SELECT rec AS a, min(rec) OVER (PARTITION BY key) AS b FROM {_LINKS}) AS s WHERE a <> b"""
_SQL_START = f"""CREATE OR REPLACE TEMP TABLE {_LABELS[0]} AS SELECT r.rec, coalesce(min(e.b), r.rec) AS lab
    FROM {_RECORDS} AS r LEFT JOIN {_EDGES} AS e ON e.a = r.rec GROUP BY r.rec"""
# One pass: each record takes the smallest label among itself and its neighbours, then its label's label.
_SQL_PASS = """CREATE OR REPLACE TEMP TABLE {new} AS
    WITH m AS (SELECT rec, lab FROM {old}
               UNION ALL SELECT e.a, l.lab FROM {edges} AS e JOIN {old} AS l ON l.rec = e.b
               UNION ALL SELECT e.b, l.lab FROM {edges} AS e JOIN {old} AS l ON l.rec = e.a),
         g AS (SELECT rec, min(lab) AS lab FROM m GROUP BY rec)
    SELECT g.rec, p.lab FROM g JOIN g AS p ON p.rec = g.lab"""
_SQL_CHANGED = "SELECT count(*) FROM {new} AS n JOIN {old} AS o ON o.rec = n.rec WHERE n.lab <> o.lab"
_SQL_FINAL = """CREATE TEMP TABLE {final} AS
    WITH persons AS (SELECT l.lab, 'P' || left(md5(min(k.key)), 16) AS person_id
                     FROM {labels} AS l JOIN {links} AS k ON k.rec = l.rec GROUP BY l.lab)
    SELECT r.rec, r.table_name, r.row_key, p.person_id IS NOT NULL AS keyed,
           coalesce(p.person_id, 'P' || left(md5('row:' || r.table_name || ':' || r.row_key), 16)) AS person_id
    FROM {records} AS r JOIN {labels} AS l ON l.rec = r.rec LEFT JOIN persons AS p ON p.lab = l.lab"""
_SQL_SIZES = f"""CREATE TEMP TABLE {_SIZES} AS SELECT person_id, count(*) AS n, count(DISTINCT table_name) AS tables
    FROM {_FINAL} GROUP BY person_id"""
_SQL_TOTALS = f"""SELECT sum(n), count(*), coalesce(sum(n) FILTER (WHERE n > 1), 0),
    (SELECT count(*) FROM {_VALUES} WHERE given AND key IS NULL) FROM {_SIZES}"""
_SQL_BY_TABLE = f"""SELECT f.table_name, count(*), count(*) FILTER (WHERE f.keyed), count(DISTINCT f.person_id),
    count(*) FILTER (WHERE s.tables > 1)
    FROM {_FINAL} AS f JOIN {_SIZES} AS s ON s.person_id = f.person_id GROUP BY f.table_name ORDER BY min(f.rec)"""
# The biggest persons first, each with up to 20 records and keys: a wrong merge shows up here.
_SQL_EXAMPLES = f"""WITH top AS (SELECT person_id, n FROM {_SIZES} WHERE n > 1 ORDER BY n DESC, person_id LIMIT 5),
    members AS (SELECT t.person_id, f.rec, f.table_name, f.row_key
                FROM top AS t JOIN {_FINAL} AS f ON f.person_id = t.person_id),
    records AS (SELECT * FROM members QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY rec) <= 20),
    keys AS (SELECT DISTINCT m.person_id, k.key FROM members AS m JOIN {_LINKS} AS k ON k.rec = m.rec),
    first_keys AS (SELECT person_id, list(key ORDER BY key) AS keys FROM
                   (SELECT * FROM keys QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY key) <= 20)
                   GROUP BY person_id)
    SELECT t.person_id, list(r.table_name ORDER BY r.rec), list(r.row_key ORDER BY r.rec), any_value(k.keys)
    FROM top AS t JOIN records AS r ON r.person_id = t.person_id LEFT JOIN first_keys AS k ON k.person_id = t.person_id
    GROUP BY t.person_id, t.n ORDER BY t.n DESC, t.person_id"""


def resolve_identities(con: duckdb.DuckDBPyConnection, keys: list[KeyColumn],
                       output: str = "customer_identity") -> IdentityReport:
    """Write `output(table_name, row_key, person_id)`, one row per record of the keyed tables.

    Call it inside a write transaction (`ingest.store.write_transaction`): it replaces
    `output` and uses temporary tables it drops again.
    """
    row_keys = _plan(con, keys, output)
    try:
        con.execute(_records_sql(row_keys))
        con.execute(_values_sql(keys, row_keys))
        con.execute(_SQL_LINKS)
        con.execute(_SQL_EDGES)
        labels, passes = _propagate(con)
        con.execute(_SQL_FINAL.format(final=_FINAL, labels=labels, links=_LINKS, records=_RECORDS))
        _write(con, output)
        return _report(con, output, passes)
    finally:
        for name in (_RECORDS, _VALUES, _LINKS, _EDGES, *_LABELS, _FINAL, _SIZES):
            con.execute(exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True).sql("duckdb"))


def _plan(con: duckdb.DuckDBPyConnection, keys: list[KeyColumn], output: str) -> dict[str, str]:
    """Check every key column; the row key column of each table, in the order the tables come."""
    if not keys:
        raise keyed_error(IngestError, "errors.identity.no_keys")
    row_keys: dict[str, str] = {}
    for key in keys:
        _check_kind(key.kind)
        columns = _columns(con, key.table)
        _need(key.column, columns, key.table)
        row_key = key.row_key or (ROW if ROW in columns else None)
        if row_key is None:
            raise keyed_error(IngestError, "errors.identity.no_row_key", table=key.table, row=ROW)
        _need(row_key, columns, key.table)
        if row_keys.setdefault(key.table, row_key) != row_key:
            raise keyed_error(IngestError, "errors.identity.two_row_keys", table=key.table,
                              first=row_keys[key.table], second=row_key)
    if output in row_keys or output.startswith(_TEMP):
        raise keyed_error(IngestError, "errors.identity.bad_output", output=output)
    return row_keys


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    tables = [r[0] for r in con.execute(exp.select("table_name").from_("information_schema.tables")
                                        .sql("duckdb")).fetchall()]
    _need(table, tables, None, kind="table")
    return [r[0] for r in con.execute(exp.Describe(this=table_ref(table)).sql("duckdb")).fetchall()]


def _need(name: str, names: list[str], table: str | None, kind: str = "column") -> None:
    """Refuse a name that is not among `names`: the columns of `table`, or the warehouse's tables when None."""
    if name not in names:
        hint = suggest(name, names)
        raise keyed_error(IngestError, "errors.identity.missing", kind_key=f"errors.kind.{kind}", name=name,
                          where_key="errors.identity.in_table" if table else "errors.identity.in_warehouse",
                          table=table, hint_key="errors.did_you_mean" if hint else "", suggestions_or=tuple(hint))


def _records_sql(row_keys: dict[str, str]) -> str:
    """Every distinct row key of every table, numbered by table (in the given order) then row key."""
    parts = []
    for i, (table, row_key) in enumerate(row_keys.items()):
        distinct = exp.select(exp.alias_(exp.column(row_key, quoted=True), "k")).distinct().from_(table_ref(table)) \
            .where(exp.column(row_key, quoted=True).is_(exp.null()).not_())
        parts.append(exp.select(exp.alias_(exp.convert(i), "t"), exp.alias_(exp.convert(table), "table_name"),
                                exp.alias_(exp.cast(exp.column("k"), "VARCHAR"), "row_key"),
                                exp.alias_(exp.Window(this=exp.RowNumber(), order=exp.Order(
                                    expressions=[exp.Ordered(this=exp.column("k"))])), "ord"))
                     .from_(distinct.subquery("d")))
    number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=[exp.Ordered(this=exp.column("t")),
                                                                           exp.Ordered(this=exp.column("ord"))]))
    union = parts[0] if len(parts) == 1 else exp.union(*parts, distinct=False)
    select = exp.select(exp.alias_(number - 1, "rec"), "table_name", "row_key").from_(union.subquery("u"))
    return exp.Create(this=table_ref(_RECORDS), kind="TABLE", expression=select,
                      properties=exp.Properties(expressions=[exp.TemporaryProperty()])).sql("duckdb")


def _values_sql(keys: list[KeyColumn], row_keys: dict[str, str]) -> str:
    """Every key value normalised: (table_name, row_key, given, key 'kind:value' or NULL when ignored)."""
    parts = []
    for key in keys:
        row_key = exp.column(row_keys[key.table], quoted=True)
        rows = exp.select(exp.alias_(exp.convert(key.table), "table_name"),
                          exp.alias_(exp.cast(row_key, "VARCHAR"), "row_key"),
                          exp.alias_(_cleaned(exp.column(key.column, quoted=True)), "v")) \
            .from_(table_ref(key.table)).where(row_key.copy().is_(exp.null()).not_())
        given = exp.select("table_name", "row_key", exp.alias_(exp.column("v").is_(exp.null()).not_(), "given"), "v") \
            .from_(rows.subquery("r"))
        normal = _normalised(key.kind, given, ["table_name", "row_key", "given"])
        parts.append(exp.select("table_name", "row_key", "given",
                                exp.alias_(exp.DPipe(this=exp.convert(f"{key.kind}:"), expression=exp.column("v")),
                                           "key")).from_(normal.subquery("n")))
    union = parts[0] if len(parts) == 1 else exp.union(*parts, distinct=False)
    return exp.Create(this=table_ref(_VALUES), kind="TABLE", expression=union,
                      properties=exp.Properties(expressions=[exp.TemporaryProperty()])).sql("duckdb")


def _propagate(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    """Label every record with the smallest record number of its component; the final table and passes."""
    con.execute(_SQL_START)
    old, new = _LABELS
    for passes in range(1, MAX_PASSES + 1):
        con.execute(_SQL_PASS.format(new=new, old=old, edges=_EDGES))
        changed = con.execute(_SQL_CHANGED.format(new=new, old=old)).fetchone()
        old, new = new, old
        if not changed or not changed[0]:
            return old, passes
    raise keyed_error(IngestError, "errors.identity.unsettled", passes=MAX_PASSES)


def _write(con: duckdb.DuckDBPyConnection, output: str) -> None:
    select = exp.select("table_name", "row_key", "person_id").from_(table_ref(_FINAL)).order_by("rec")
    con.execute(exp.Create(this=table_ref(output), kind="TABLE", expression=select, replace=True).sql("duckdb"))


def _report(con: duckdb.DuckDBPyConnection, output: str, passes: int) -> IdentityReport:
    con.execute(_SQL_SIZES)
    records, persons, merged, ignored = con.execute(_SQL_TOTALS).fetchone() or (0, 0, 0, 0)
    by_table = {r[0]: TableIdentity(*r[1:]) for r in con.execute(_SQL_BY_TABLE).fetchall()}
    examples = tuple(IdentityExample(pid, tuple(zip(tables, row_keys, strict=True)), tuple(keys or ()))
                     for pid, tables, row_keys, keys in con.execute(_SQL_EXAMPLES).fetchall())
    return IdentityReport(output, int(records or 0), persons, int(merged), ignored, by_table, examples, passes)


def unify_customers(warehouse: Path, keys: list[KeyColumn], output: str = "customer_identity") -> IdentityReport:
    """Resolve identities into the warehouse table `output`, catalogued, in one write transaction."""
    with write_transaction(warehouse) as con:
        report = resolve_identities(con, keys, output)
        described = con.execute(exp.Describe(this=table_ref(output)).sql("duckdb")).fetchall()
        tables = ", ".join(dict.fromkeys(k.table for k in keys))
        record(con, CatalogEntry(output, "identity", f"one person, one id: {tables}",
                                 clock.naive_now(), report.records,
                                 tuple(ColumnInfo(r[0], r[0], str(r[1])) for r in described), (),
                                 {"keys": [dataclasses.asdict(k) for k in keys]}))
    return report
