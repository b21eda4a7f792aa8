"""Give text columns their real types from a sample, and convert them in the load's single pass.

Readers hand over what DuckDB could type; messy columns ('¥1,234.50', '12.5%', '2025年6月18日', '是')
arrive as VARCHAR. ONE query over a sample counts, per column, the non-empty values each candidate
accepts. Candidates are the very expressions the load runs, so the sample judges what the load will do.
A column takes the candidate converting most values if that is >= 98% of them (the rest become rejects;
ties go to the earlier candidate below); otherwise it stays VARCHAR, trimmed, blank -> NULL.

- BOOLEAN: true/false, yes/no, y/n, t/f, 是/否, 对/错 (any case); 1/0 only under a flag-like header
  ('is_active', '是否会员').
- DATE from yyyymmdd ('20250618', years 1990-2100) only when EVERY sampled value is one.
- BIGINT, then DOUBLE: thousands separators (1,234,567 / 1 234 567), currency (¥ ￥ $ € £ 元 RMB CNY USD
  EUR GBP) before or after, accounting negatives '(1,234.50)', trailing minus '1,234.50-'. Money is
  DOUBLE, as DuckDB's own CSV typing does: DECIMAL(18,2) would silently round unit prices and rates.
  Never numbers: columns holding codes ('C536379' among invoice numbers), leading zeros ('00123') or
  16+ digit runs (ids that DOUBLE and JavaScript charts cannot hold exactly).
- DOUBLE from percentages: '12.5%' -> 0.125.
- DATE, then TIMESTAMP: year first (2025-06-18, 2025/6/18, 2025.06.18, 2025年6月18日, 2025年6月 -> the
  1st, ISO with T/Z/fractions), or slashed with 2- or 4-digit years and 'H:M[:S]' or 'I:M[:S] PM'.
  Month-first and day-first are rival candidates judged on all sampled values: day-first wins only when
  it converts more (a value like '18/06/2025' is the evidence); otherwise month-first, the order of the
  US exports (Excel, Online Retail) that write slashes. Offsets are dropped, keeping the wall-clock time
  written ('14:03+08:00' -> 14:03), as DuckDB's cast does.

Null tokens (NA, N/A, null, None, NaN, -, --, #N/A, 无, 空) are NULL in typed columns and not failures.
VARCHAR columns keep them as written: there they can be real values ('NA' is Namibia, '无' an answer)
and text loses nothing by keeping them.

>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE src AS SELECT * FROM (VALUES ('¥1,234.50'), ('(5)')) t(\\"金额\\")")
>>> plan = plan_columns(con, Source(exp.to_table("src"), (SourceColumn("金额"),), "demo"))[0]
>>> plan.type, plan.safe_name, con.sql(exp.select(plan.value).from_("src").sql("duckdb")).fetchall()
('DOUBLE', 'jine', [(1234.5,), (-5.0,)])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from ingest.names import unique_names
from ingest.source import ColumnPlan, Source, SourceColumn

THRESHOLD = 0.98
MAX_REJECTS = 10_000
SAMPLE_SEED = 42
NULL_TOKENS = ("na", "n/a", "null", "none", "nan", "-", "--", "#n/a", "无", "空")
TRUE_WORDS = ("true", "yes", "y", "t", "是", "对")
FALSE_WORDS = ("false", "no", "n", "f", "否", "错")
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR")
INTEGER_TYPES = ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER")

_SPACES = " \t\r\n\u00a0\u3000"  # Excel and Chinese text pad with no-break and ideographic spaces
_EDGE_SPACE = r"^[\s\x{00a0}\x{3000}]|[\s\x{00a0}\x{3000}]$"
_C = r"(?:[¥￥$€£]|元|(?i:RMB|CNY|USD|EUR|GBP))"  # a currency sign or word
_N = r"(?:(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \x{00a0}\x{202f}]\d{3})+|\d+)(?:\.\d+)?|\.\d+)"  # unsigned
_MONEY = "|".join((rf"(?:[-+]\s*(?:{_C}\s*)?|(?:{_C}\s*)?(?:[-+]\s*)?){_N}(?:\s*{_C})?",  # -¥5  ¥-5  5元
                   rf"(?:{_C}\s*)?{_N}(?:\s*{_C})?\s*-",  # 5-
                   rf"\(\s*(?:{_C}\s*)?{_N}(?:\s*{_C})?\s*\)|{_C}\s*\(\s*{_N}\s*\)"))  # (¥5)  ¥(5)
_PLAIN = r"[-+]?\d+(?:\.\d+)?"
_CODE = r"[A-Za-z0-9]*(?:[A-Za-z]\d|\d[A-Za-z])[A-Za-z0-9]*"
_YEAR_FIRST = r"^\d{4}\D"
_YYYYMMDD = r"(?:199\d|20\d\d|2100)\d{4}"
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_ISO_PREFIX = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]|$)"  # already what the cast reads: no rewrite
_TWELVE_HOUR = r"(?i)\d\s*[ap]m$"
_DATE_WORDS = {"date", "day", "dt", "ymd"}
_FLAG_WORDS = {"is", "has", "flag", "active", "enabled", "disabled", "bool", "boolean", "subscribed",
               "churned", "converted", "opted", "optin", "valid"}


# --- small SQL builders ---------------------------------------------------------------------------

def _fn(name: str, *args: exp.Expression | str) -> exp.Expression:
    """A DuckDB function call written exactly as named; str arguments become string literals."""
    return exp.Anonymous(this=name, expressions=[exp.Literal.string(a) if isinstance(a, str) else a for a in args])


def _cast(value: exp.Expression, to: str, safe: bool = True) -> exp.Expression:
    kind = exp.TryCast if safe else exp.Cast
    return kind(this=value, to=exp.DataType.build(to, dialect="duckdb"))


def _trim(raw: exp.Expression) -> exp.Expression:
    """trim() with a character set costs 3x a regex test, and most values have nothing to trim."""
    return exp.case().when(_fn("regexp_matches", raw.copy(), _EDGE_SPACE),
                           exp.Trim(this=raw.copy(), expression=exp.Literal.string(_SPACES))).else_(raw.copy())


def _words_in(value: exp.Expression, words: tuple[str, ...]) -> exp.Expression:
    """One case-blind regex, not IN: DuckDB turns IN lists (and list_contains) into a join per list."""
    return _fn("regexp_full_match", value.copy(), "(?i)" + "|".join(re.escape(w) for w in words))


def _present(text: exp.Expression) -> exp.Expression:
    """A value a typed column must keep: not NULL, not blank, not a null token."""
    return exp.and_(text.copy().is_(exp.null()).not_(), exp.NEQ(this=text.copy(), expression=exp.Literal.string("")),
                    _words_in(text, NULL_TOKENS).not_())


def _case(condition: exp.Expression, value: exp.Expression) -> exp.Expression:
    return exp.case().when(condition, value)


# --- reading text: each reading is shared by the candidates that interpret it ------------------------

def number_text(text: exp.Expression) -> exp.Expression:
    """Text DuckDB can cast ('(¥1,234.50)' -> '-1234.50'), or NULL: one grammar for BIGINT, DOUBLE and %.

    Plain numbers take a fast path; the full grammar then vouches that the only '-' or '(' is a sign,
    so the digits are what is left after dropping everything but digits and the point.
    """
    sign = exp.case().when(_fn("regexp_matches", text.copy(), "[-(]"), exp.Literal.string("-")).else_(
        exp.Literal.string(""))
    digits = _fn("regexp_replace", text.copy(), "[^0-9.]", "", "g")
    return (exp.case().when(_fn("regexp_full_match", text.copy(), _PLAIN), text.copy())
            .when(_fn("regexp_full_match", text.copy(), _MONEY), _fn("concat", sign, digits)))


def _percent_text(text: exp.Expression) -> exp.Expression:
    bare = _fn("regexp_replace", text.copy(), r"\s*[%％]$", "")
    return _case(_fn("regexp_matches", text.copy(), "[%％]$"), number_text(bare))


def _year_first_text(text: exp.Expression) -> exp.Expression:
    """'2025/6/18 14:03', '2025年6月18日', '2025年6月' -> '2025-6-18 14:03', '2025-6-18', '2025-6-01'."""
    return (exp.case().when(_fn("regexp_matches", text.copy(), _ISO_PREFIX), text.copy())
            .when(_fn("ends_with", text.copy(), "月"),
                  _fn("regexp_replace", text.copy(), r"^(\d{4})年(\d{1,2})月$", r"\1-\2-01"))
            .when(_fn("regexp_matches", text.copy(), _YEAR_FIRST),
                  _fn("regexp_replace", text.copy(), r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(.*)$",
                      r"\1-\2-\3\4")))


def slashed_text(text: exp.Expression, order: str) -> exp.Expression:
    """A slashed date rewritten year-first for DuckDB's fast cast, or NULL when it is not slashed.

    Rewriting then casting costs one parse per value, where a strptime format list pays for every
    format that fails. Two-digit years follow Excel: 00-29 -> 20xx, 30-99 -> 19xx.

    >>> duckdb.sql(exp.select(slashed_text(exp.Literal.string("2/20/11 11:39"), "mdy")).sql("duckdb")).fetchall()
    [('2011-2-20 11:39',)]
    """
    month, day = (r"\1", r"\2") if order == "mdy" else (r"\2", r"\1")

    def rewrite(value: exp.Expression, year: str, century: str) -> exp.Expression:
        pattern = rf"^(\d{{1,2}})/(\d{{1,2}})/{year}(\D.*)?$"
        return _fn("regexp_replace", value, pattern, rf"{century}\3-{month}-{day}\4")
    two_digits = rewrite(rewrite(text.copy(), r"([0-2]\d)", "20"), r"([3-9]\d)", "19")
    return (exp.case().when(_fn("regexp_matches", text.copy(), r"^\d{1,2}/\d{1,2}/\d{4}(?:\D|$)"),
                            rewrite(text.copy(), r"(\d{4})", ""))
            .when(_fn("regexp_matches", text.copy(), r"^\d{1,2}/\d{1,2}/\d{2}(?:\D|$)"), two_digits))


READINGS: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "text": lambda text: text.copy(),
    "number": number_text,
    "percent": _percent_text,
    "ymd": _year_first_text,
    "mdy": lambda text: slashed_text(text, "mdy"),
    "dmy": lambda text: slashed_text(text, "dmy"),
}
"""Ways to read a trimmed text; several candidates interpret the same reading, made once per value."""


# --- interpreting a reading ------------------------------------------------------------------------

def _boolean(digits: bool) -> Callable[[exp.Expression], exp.Expression]:
    true_words, false_words = TRUE_WORDS + (("1",) if digits else ()), FALSE_WORDS + (("0",) if digits else ())
    return lambda text: _case(exp.LTE(this=exp.Length(this=text.copy()), expression=exp.Literal.number(5)),
                              exp.case().when(_words_in(text, true_words), exp.true())
                              .when(_words_in(text, false_words), exp.false()))


def yyyymmdd(text: exp.Expression) -> exp.Expression:
    """'20250618' -> DATE; only 8 digits from 1990-2100 (strptime alone would read '2025061' too)."""
    parsed = _fn("try_strptime", text.copy(), "%Y%m%d")
    return _case(_fn("regexp_full_match", text.copy(), _YYYYMMDD), _cast(parsed, "DATE", safe=False))


def _integer(number: exp.Expression) -> exp.Expression:
    return _case(_fn("regexp_full_match", number.copy(), r"[-+]?\d+"), _cast(number.copy(), "BIGINT"))


def _percent(number: exp.Expression) -> exp.Expression:
    """'12.5' -> 0.125 by casting '12.5e-2', which rounds once, exactly like typing 0.125."""
    return _cast(exp.DPipe(this=number.copy(), expression=exp.Literal.string("e-2")), "DOUBLE")


def _date(iso: exp.Expression) -> exp.Expression:
    """Bare dates only: DuckDB's DATE cast would silently drop a time of day."""
    return _case(_fn("regexp_full_match", iso.copy(), _ISO_DATE), _cast(iso.copy(), "DATE"))


def _timestamp(iso: exp.Expression) -> exp.Expression:
    """Dates with or without times, ISO T/Z/fractions; '2:03 PM' goes to strptime (the cast ignores PM)."""
    formats = exp.Array(expressions=[exp.Literal.string(f) for f in ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p")])
    return exp.case().when(_fn("regexp_matches", iso.copy(), _TWELVE_HOUR), _fn("try_strptime", iso.copy(), formats)
                           ).else_(_cast(iso.copy(), "TIMESTAMP"))


@dataclass(frozen=True)
class Candidate:
    """A type a text column may take: `interpret` turns its READINGS of the text (the first that is not
    NULL) into that type, or NULL."""

    type: str
    readings: tuple[str, ...]
    interpret: Callable[[exp.Expression], exp.Expression]
    numeric: bool = False  # refused for code, leading-zero and long-digit columns
    whole: bool = False  # must convert every sampled value, not 98%
    flag: bool = False  # only for headers that read like a flag

    def apply(self, reading: Callable[[str], exp.Expression]) -> exp.Expression:
        parts = [reading(name) for name in self.readings]
        return self.interpret(parts[0] if len(parts) == 1 else exp.Coalesce(this=parts[0], expressions=parts[1:]))

    def convert(self, text: exp.Expression) -> exp.Expression:
        return self.apply(lambda name: READINGS[name](text))


CANDIDATES = (Candidate("BOOLEAN", ("text",), _boolean(False)),
              Candidate("BOOLEAN", ("text",), _boolean(True), flag=True),
              Candidate("DATE", ("text",), yyyymmdd, whole=True),
              Candidate("BIGINT", ("number",), _integer, numeric=True),
              Candidate("DOUBLE", ("number",), lambda number: _cast(number.copy(), "DOUBLE"), numeric=True),
              Candidate("DOUBLE", ("percent",), _percent),
              *(Candidate("DATE", ("ymd", *order), _date) for order in ((), ("mdy",), ("dmy",))),
              *(Candidate("TIMESTAMP", ("ymd", *order), _timestamp) for order in ((), ("mdy",), ("dmy",))))
"""Every type a text column may take, narrowest first: on equal counts the earlier one wins."""


# --- choosing -------------------------------------------------------------------------------------

def _header_says(header: str, words: set[str], chinese: tuple[str, ...]) -> bool:
    """Whole English words ('InvoiceDate' -> invoice, date; 'is_active' -> is, active) or Chinese parts."""
    found = {w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", header)}
    return bool(found & words) or any(part in header for part in chinese)


def is_date_header(header: str) -> bool:
    return _header_says(header, _DATE_WORDS, ("日期", "时间"))


def is_flag_header(header: str) -> bool:
    return _header_says(header, _FLAG_WORDS, ("是否", "标志", "标记", "标识"))


def _not_numeric(text: exp.Expression, number: exp.Expression) -> exp.Expression:
    """Signs of an identifier column: a code like 'C536379', a leading zero, or 16+ digits in a row."""
    code = exp.and_(number.copy().is_(exp.null()), _fn("regexp_full_match", text.copy(), _CODE))
    zero = exp.and_(_fn("starts_with", text.copy(), "0"), _fn("regexp_matches", text.copy(), r"^0\d"))
    long_digits = exp.and_(exp.GTE(this=exp.Length(this=text.copy()), expression=exp.Literal.number(16)),
                           _fn("regexp_matches", text.copy(), r"\d{16}"))
    return exp.or_(zero, long_digits, code)  # cheap tests first: OR stops at the first true


def _eligible(option: Candidate, column: SourceColumn, counts: list[int]) -> bool:
    identifier = counts[1] > 0
    if not _is_text(column):
        return option.whole  # a whole-number column may only become a yyyymmdd DATE
    return not ((option.numeric and identifier) or (option.flag and not is_flag_header(column.name)))


def choose(column: SourceColumn, counts: list[int]) -> Candidate | None:
    """The candidate converting most values, if it converts >= 98% (all, for yyyymmdd) of them.

    `counts` = [non-empty values, identifier signs, then one count per CANDIDATES entry].
    """
    total = counts[0]
    usable = [c if _eligible(o, column, counts) and (c == total or not o.whole) else 0
              for o, c in zip(CANDIDATES, counts[2:], strict=True)]
    best = max(range(len(usable)), key=lambda i: (usable[i], -i))
    return CANDIDATES[best] if total and usable[best] >= THRESHOLD * total else None


def _is_text(column: SourceColumn) -> bool:
    return column.type.upper().startswith(TEXT_TYPES)


def _text_of(column: SourceColumn) -> exp.Expression:
    raw = exp.column(column.name, quoted=True)
    return _trim(raw) if _is_text(column) else _cast(raw, "VARCHAR", safe=False)


# --- the sample -----------------------------------------------------------------------------------

def _table_rows(con: duckdb.DuckDBPyConnection, relation: exp.Expression) -> int:
    """Rows of a DuckDB base table, from its metadata (0 for files and views: they would need a scan)."""
    if not isinstance(relation, exp.Table):
        return 0
    query = (exp.select("estimated_size").from_(exp.Anonymous(this="duckdb_tables"))
             .where(exp.column("table_name").eq(exp.Placeholder())))
    rows = con.execute(query.sql("duckdb"), [relation.name]).fetchall()
    return int(rows[0][0]) if rows else 0


def sample(con: duckdb.DuckDBPyConnection, source: Source, columns: list[exp.Expression],
           rows: int) -> exp.Subquery:
    """The first `rows` rows, plus for DuckDB tables a spread sample of about as many more.

    LIMIT stops a read_csv scan early. TABLESAMPLE SYSTEM skips whole vectors inside a table scan, but
    over read_csv it only filters after a full parse, so files are judged by their head: a later value
    that does not fit becomes a reject (the one thing a head cannot see is day-first evidence that only
    appears later in a file of ambiguous slashed dates).
    """
    head = exp.select(*columns).from_(source.relation.copy()).limit(rows)
    total = _table_rows(con, source.relation)
    if total <= rows:
        return head.subquery("sample")
    spread = source.relation.copy()
    # SYSTEM samples whole vectors of 2,048 rows: ask for at least ten of them
    percent = exp.Literal.number(round(min(100.0, 100.0 * max(rows, 10 * 2048) / total), 4))
    spread.set("sample", exp.TableSample(method=exp.var("SYSTEM"), percent=percent,
                                         seed=exp.Literal.number(SAMPLE_SEED)))
    both = exp.union(exp.select("*").from_(head.subquery("head")),
                     exp.select(*(c.copy() for c in columns)).from_(spread), distinct=False)
    return both.subquery("sample")


def profile_query(con: duckdb.DuckDBPyConnection, source: Source, judged: list[SourceColumn],
                  rows: int) -> exp.Select:
    """One row per judged column: [index, then the counts `choose` takes], from one scan of the sample.

    Sampled cells are unpivoted to (column, trimmed text) and grouped, so a status column with three
    values costs three evaluations, not 20,000; each reading (number, dates...) is made once per value.
    """
    indexes = exp.Array(expressions=[exp.Literal.number(i) for i in range(len(judged))])
    texts = exp.Array(expressions=[_text_of(c) for c in judged])
    cells = exp.select(exp.Explode(this=indexes).as_("i"), exp.Explode(this=texts).as_("t")).from_(
        sample(con, source, [exp.column(c.name, quoted=True) for c in judged], rows))
    text = exp.column("t")
    values = (exp.select("i", "t", exp.Count(this=exp.Star()).as_("k")).from_(cells.subquery("cells"))
              .where(_present(text)).group_by("i", "t").subquery("distinct_values"))
    readings = exp.select("i", "t", "k", *(read(text).as_(f"r_{name}") for name, read in READINGS.items()))

    def weight(condition: exp.Expression) -> exp.Expression:
        return exp.Filter(this=exp.Sum(this=exp.column("k")), expression=exp.Where(this=condition))
    counts = [exp.Sum(this=exp.column("k")), weight(_not_numeric(text, exp.column("r_number"))),
              *(weight(o.apply(lambda name: exp.column(f"r_{name}")).is_(exp.null()).not_()) for o in CANDIDATES)]
    return exp.select("i", *counts).from_(readings.from_(values).subquery("readings")).group_by("i")


def _plan(column: SourceColumn, safe: str, counts: list[int] | None) -> ColumnPlan:
    raw = exp.column(column.name, quoted=True)
    chosen = choose(column, counts) if counts else None
    if chosen is not None:
        return ColumnPlan(column.name, safe, chosen.type, chosen.convert(_text_of(column)), raw.copy())
    if _is_text(column):
        trimmed = exp.Nullif(this=_trim(raw), expression=exp.Literal.string(""))
        return ColumnPlan(column.name, safe, "VARCHAR", trimmed, raw.copy())
    return ColumnPlan(column.name, safe, column.type, raw, raw.copy())


def plan_columns(con: duckdb.DuckDBPyConnection, source: Source, sample_rows: int = 20_000) -> list[ColumnPlan]:
    """How every column of `source` becomes a warehouse column, judged in one query over a sample.

    Columns DuckDB already typed pass through, except whole-number yyyymmdd columns with a date-like
    header ('下单日期', 'order_dt'), which become DATE.
    """
    judged = [c for c in source.columns
              if _is_text(c) or (c.type.upper() in INTEGER_TYPES and is_date_header(c.name))]
    counts: dict[str, list[int]] = {}
    if judged:
        query = profile_query(con, source, judged, sample_rows)
        for index, *values in con.execute(query.sql("duckdb", identify=True)).fetchall():
            counts[judged[index].name] = [int(v or 0) for v in values]
    safe_names = unique_names([c.name for c in source.columns])
    return [_plan(c, safe, counts.get(c.name)) for c, safe in zip(source.columns, safe_names, strict=True)]


# --- rejects --------------------------------------------------------------------------------------

ROW = "__beacon_row"


def rejects_query(plans: list[ColumnPlan], source: Source, limit: int = MAX_REJECTS) -> exp.Select:
    """One row (row, column, value, problem) per non-empty cell a typed column could not convert.

    `row` is the file's row: row_number() OVER () numbers rows in scan order, which DuckDB keeps for a
    parallel read_csv scan while preserve_insertion_order is on (the default); it equals the file line
    when no quoted field spans lines. Columns passed through unchanged are not checked. The failed cells
    are computed under the window, so the filters above it only test for NULL. The first `limit` are kept.
    """
    checked = [p for p in plans if p.type != "VARCHAR" and p.value != p.source]
    if not checked:
        return _no_rejects(source)
    number = exp.Window(this=exp.RowNumber()) + exp.Literal.number(source.first_row - 1)
    numbered = exp.select(number.as_(ROW), exp.Star()).from_(_failed_cells(checked, source)).subquery("numbered")
    lists = {"column": [exp.Literal.string(p.name) for p in checked],
             "value": [exp.column(f"f{i}") for i in range(len(checked))],
             "problem": [exp.Literal.string(f"cannot be read as {p.type}") for p in checked],
             "position": [exp.Literal.number(i) for i in range(len(checked))]}
    unnested = [exp.Explode(this=exp.Array(expressions=v)).as_(k) for k, v in lists.items()]
    any_failed = exp.or_(*(exp.column(f"f{i}").is_(exp.null()).not_() for i in range(len(checked))))
    cells = exp.select(ROW, *unnested).from_(numbered).where(any_failed).subquery("cells")
    return (exp.select(exp.column(ROW).as_("row"), *(exp.column(n) for n in ("column", "value", "problem")))
            .from_(cells).where(exp.column("value").is_(exp.null()).not_())
            .order_by(exp.column(ROW), exp.column("position")).limit(limit))


def _failed_cells(checked: list[ColumnPlan], source: Source) -> exp.Subquery:
    """Column f<i>: the raw value where plan i gave NULL for a present value, else NULL."""
    columns = {c.name: c for c in source.columns}
    failed = [_case(exp.and_(p.value.copy().is_(exp.null()),  # first: most values convert, skipping the rest
                             _present(_text_of(columns.get(p.name, SourceColumn(p.name))))),
                    _cast(p.source.copy(), "VARCHAR", False)).as_(f"f{i}") for i, p in enumerate(checked)]
    return exp.select(*failed).from_(source.relation.copy()).subquery("flagged")


def _no_rejects(source: Source) -> exp.Select:
    """The same four columns, no rows: nothing to check (WHERE FALSE lets DuckDB skip the scan)."""
    typed = [_cast(exp.null(), "BIGINT" if name == "row" else "VARCHAR", False).as_(name)
             for name in ("row", "column", "value", "problem")]
    return exp.select(*typed).from_(source.relation.copy()).where(exp.false())
